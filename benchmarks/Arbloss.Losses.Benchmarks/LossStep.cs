using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// The problem and the measured step shared by the loss benchmarks: random float32 logits [B, C] that require
    /// gradients, random targets, an exponential long-tail count profile (imbalance 100, every class present), and one
    /// forward + backward inside a dispose scope with the gradient zeroed afterwards.
    /// </summary>
    internal sealed class LossStep
    {
        private LossStep(Tensor logits, Tensor target, long[] counts)
        {
            Logits = logits;
            Target = target;
            Counts = counts;
        }

        public Tensor Logits { get; }
        public Tensor Target { get; }
        public long[] Counts { get; }
        public long Classes => Counts.Length;

        /// <summary>Builds the problem for a "BxC" shape, with 2 intra-op threads and a fixed seed.</summary>
        public static LossStep Create(string shape)
        {
            torch.set_num_threads(2);
            var parts = shape.Split('x').Select(int.Parse).ToArray();
            int b = parts[0], c = parts[1];
            torch.manual_seed(1);
            var logits = randn(b, c).requires_grad_(true);
            var target = randint(0, c, new long[] { b }, dtype: ScalarType.Int64);
            var counts = Enumerable.Range(0, c).Select(i => (long)Math.Max(1, 1000 * Math.Pow(0.01, i / (double)Math.Max(1, c - 1)))).ToArray();
            return new LossStep(logits, target, counts);
        }

        /// <summary>One forward + backward of <paramref name="loss"/>; returns the loss value.</summary>
        public float Run(Func<Tensor> loss)
        {
            using var scope = NewDisposeScope();
            var value = loss();
            value.backward();
            Logits.grad!.zero_();
            return value.item<float>();
        }
    }
}
