using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>How the logits reach the loss in a measured step.</summary>
    public enum LossSetup
    {
        /// <summary>A training step: the logits are the output of a linear head over fixed [B, 64] features;
        /// backward reaches the head's weight and bias, whose gradients are then set to none (<c>zero_grad()</c>).</summary>
        Head,
        /// <summary>A fresh leaf per step: <c>x = logits.clone().requires_grad_(true)</c>; its gradient is created by
        /// backward and freed with it.</summary>
        FreshLeaf,
        /// <summary>One leaf reused by every step; its gradient is accumulated into and zeroed after each step.</summary>
        ReusedLeaf,
    }

    /// <summary>
    /// The problem and the measured step shared by the loss benchmarks: random float32 logits [B, C], random targets,
    /// an exponential long-tail count profile (imbalance 100, every class present), and one forward + backward inside
    /// a dispose scope, the logits handed to the loss as <see cref="LossSetup"/> says. Every method measured on a
    /// step does the same setup work (the same clone, head or zeroing), so the loss is the only difference.
    /// </summary>
    internal sealed class LossStep : IDisposable
    {
        private const int Features = 64;

        private readonly Tensor _logits;
        private readonly Tensor? _leaf;
        private readonly Tensor? _features;
        private readonly Linear? _head;

        private LossStep(LossSetup setup, Tensor logits, Tensor target, long[] counts, Tensor? leaf, Tensor? features, Linear? head)
        {
            Setup = setup;
            _logits = logits;
            Target = target;
            Counts = counts;
            _leaf = leaf;
            _features = features;
            _head = head;
        }

        public LossSetup Setup { get; }
        public Tensor Target { get; }
        public long[] Counts { get; }
        public long Classes => Counts.Length;
        public long Batch => Target.size(0);

        /// <summary>Intra-op threads: ARBLOSS_BENCH_THREADS, default 2.</summary>
        public static int Threads =>
            int.TryParse(Environment.GetEnvironmentVariable("ARBLOSS_BENCH_THREADS"), out var n) && n > 0 ? n : 2;

        /// <summary>Builds the problem for a "BxC" shape, with <see cref="Threads"/> intra-op threads and a fixed seed.</summary>
        public static LossStep Create(string shape, LossSetup setup)
        {
            torch.set_num_threads(Threads);
            var parts = shape.Split('x').Select(int.Parse).ToArray();
            int b = parts[0], c = parts[1];
            torch.manual_seed(1);
            var logits = randn(b, c);
            var target = randint(0, c, new long[] { b }, dtype: ScalarType.Int64);
            var counts = Enumerable.Range(0, c).Select(i => (long)Math.Max(1, 1000 * Math.Pow(0.01, i / (double)Math.Max(1, c - 1)))).ToArray();
            Tensor? leaf = null, features = null;
            Linear? head = null;
            switch (setup)
            {
                case LossSetup.ReusedLeaf:
                    leaf = logits.clone().requires_grad_(true);
                    break;
                case LossSetup.Head:
                    features = randn(b, Features);
                    head = nn.Linear(Features, c);
                    break;
            }
            return new LossStep(setup, logits, target, counts, leaf, features, head);
        }

        /// <summary>One forward + backward of <paramref name="loss"/> on this step's logits; returns the loss value.</summary>
        public float Run(Func<Tensor, Tensor> loss)
        {
            using var scope = NewDisposeScope();
            switch (Setup)
            {
                case LossSetup.Head:
                {
                    var value = loss(_head!.forward(_features!));
                    value.backward();
                    _head.zero_grad();
                    return value.item<float>();
                }
                case LossSetup.FreshLeaf:
                {
                    var x = _logits.clone().requires_grad_(true);
                    var value = loss(x);
                    value.backward();
                    return value.item<float>();
                }
                default:
                {
                    var value = loss(_leaf!);
                    value.backward();
                    _leaf!.grad!.zero_();
                    return value.item<float>();
                }
            }
        }

        public void Dispose()
        {
            _logits.Dispose();
            Target.Dispose();
            _leaf?.Dispose();
            _features?.Dispose();
            _head?.Dispose();
        }
    }
}
