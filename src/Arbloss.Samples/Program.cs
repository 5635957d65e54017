using System;
using System.Linq;
using Arbloss.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples
{
    /// <summary>Entry point of the samples app (placeholder demo until the reproduction pipelines land).</summary>
    public static class Program
    {
        /// <summary>Runs a short demo: a linear classifier on a synthetic long-tailed problem, CE vs ARB-Loss.</summary>
        public static int Main(string[] args)
        {
            torch.manual_seed(0);
            var counts = new long[] { 2000, 600, 200, 60, 20 };
            Console.WriteLine($"Class counts: {string.Join(", ", counts)}");
            foreach (var name in new[] { "cross_entropy", "arb_batch", "arb_global" })
            {
                using var loss = name switch
                {
                    "cross_entropy" => (nn.Module<Tensor, Tensor, Tensor>)nn.CrossEntropyLoss(),
                    "arb_batch" => new ArbLoss(counts.Length),
                    _ => new ArbLoss(counts),
                };
                Console.WriteLine($"{name,-14} loss at random logits: {loss.call(randn(8, 5), tensor(new long[] { 0, 0, 0, 1, 1, 2, 3, 4 })).item<float>():F4}");
            }
            return 0;
        }
    }
}
