using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.Diagnostics;

namespace Arbloss.Samples.Reporting
{
    /// <summary>One epoch's mean attraction / repulsion statistics, as written to <c>gradient_balance.json</c>.</summary>
    public sealed record GradientBalanceEpoch
    {
        /// <summary>Epoch, from 1.</summary>
        public int Epoch { get; init; }

        /// <summary><c>norms[i][j]</c>: mean norm of the gradient on classifier row i contributed by the samples of
        /// class j (diagonal: attraction, off-diagonal: repulsion).</summary>
        public IReadOnlyList<IReadOnlyList<double>> Norms { get; init; } = new List<IReadOnlyList<double>>();

        /// <summary>Mean attraction norm of every class.</summary>
        public IReadOnlyList<double> Attraction { get; init; } = new List<double>();

        /// <summary>Mean repulsion norm of every class.</summary>
        public IReadOnlyList<double> Repulsion { get; init; } = new List<double>();

        /// <summary>Mean attraction over mean repulsion of every class.</summary>
        public IReadOnlyList<double> Ratio { get; init; } = new List<double>();

        /// <summary>Training steps averaged.</summary>
        public long Steps { get; init; }

        /// <summary>Repulsion over attraction of every class (epoch means), null where the attraction is zero or not finite.</summary>
        /// <returns>One value per class.</returns>
        public IReadOnlyList<double?> RepulsionOverAttraction() =>
            Attraction.Zip(Repulsion, (a, r) => a > 0 && double.IsFinite(a) && double.IsFinite(r) ? r / a : (double?)null).ToArray();

        /// <summary>Copies the package's host values.</summary>
        /// <param name="epoch">Epoch, from 1.</param>
        /// <param name="values">The epoch's mean values.</param>
        /// <returns>The record.</returns>
        public static GradientBalanceEpoch From(int epoch, GradientBalanceValues values)
        {
            System.ArgumentNullException.ThrowIfNull(values);
            int c = values.NumClasses;
            return new GradientBalanceEpoch
            {
                Epoch = epoch,
                Norms = Enumerable.Range(0, c).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, c).Select(j => values.Norms[i, j]).ToArray()).ToArray(),
                Attraction = values.Attraction.ToArray(),
                Repulsion = values.Repulsion.ToArray(),
                Ratio = values.Ratio.ToArray(),
                Steps = values.Steps,
            };
        }
    }
}
