using System.Linq;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    internal static class ResNetTestTensors
    {
        /// <summary>Same shape and exactly the same values.</summary>
        public static bool Identical(Tensor a, Tensor b)
        {
            if (!a.shape.SequenceEqual(b.shape)) return false;
            using var eq = a.eq(b);
            using var all = eq.all();
            return all.item<bool>();
        }
    }
}
