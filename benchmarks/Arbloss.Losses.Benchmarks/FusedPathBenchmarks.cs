using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Where ArbLoss switches from the composition cross_entropy(x + log n) to its hand-written forward and backward
    /// (<c>Functional.FusedMinElements</c> = 2^18 elements): both paths forced, global counts, forward + backward on
    /// CPU with 2 threads, around the threshold. Baseline: the composed path.
    /// </summary>
    [MemoryDiagnoser(false)]
    public class FusedPathBenchmarks
    {
        private Tensor _logits = null!;
        private Tensor _target = null!;
        private ArbLoss _composed = null!;
        private ArbLoss _fused = null!;

        /// <summary>Batch size x number of classes (B x C elements: 16K, 32K, 64K, 128K, 256K).</summary>
        [Params("128x128", "128x256", "256x256", "256x512", "512x512")]
        public string Shape { get; set; } = "128x128";

        [GlobalSetup]
        public void Setup()
        {
            torch.set_num_threads(2);
            var parts = Shape.Split('x').Select(int.Parse).ToArray();
            int b = parts[0], c = parts[1];
            torch.manual_seed(1);
            _logits = randn(b, c).requires_grad_(true);
            _target = randint(0, c, new long[] { b }, dtype: ScalarType.Int64);
            var counts = Enumerable.Range(0, c).Select(i => (long)Math.Max(1, 1000 * Math.Pow(0.01, i / (double)(c - 1)))).ToArray();
            _composed = new ArbLoss(counts) { Path = Functional.CorePath.Composed };
            _fused = new ArbLoss(counts) { Path = Functional.CorePath.Fused };
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _composed.Dispose();
            _fused.Dispose();
        }

        private float Step(ArbLoss loss)
        {
            using var scope = NewDisposeScope();
            var value = loss.call(_logits, _target);
            value.backward();
            _logits.grad!.zero_();
            return value.item<float>();
        }

        [Benchmark(Baseline = true, Description = "composed: cross_entropy(x + log n)")]
        public float Composed() => Step(_composed);

        [Benchmark(Description = "fused: softmax forward, in-place backward")]
        public float Fused() => Step(_fused);
    }
}
