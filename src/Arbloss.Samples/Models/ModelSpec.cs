using System.Collections.Generic;

namespace Arbloss.Samples.Models
{
    /// <summary>What <see cref="ModelFactory"/> needs to size a network.</summary>
    /// <param name="NumClasses">Number of classes C.</param>
    /// <param name="InputShape">Shape of one sample, e.g. [3, 32, 32].</param>
    public sealed record ModelSpec(int NumClasses, IReadOnlyList<long> InputShape);
}
