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
        private LossStep _step = null!;
        private ArbLoss _composed = null!;
        private ArbLoss _fused = null!;

        /// <summary>Batch size x number of classes (B x C elements: 16K, 32K, 64K, 128K, 256K).</summary>
        [Params("128x128", "128x256", "256x256", "256x512", "512x512")]
        public string Shape { get; set; } = "128x128";

        [GlobalSetup]
        public void Setup()
        {
            _step = LossStep.Create(Shape);
            _composed = new ArbLoss(_step.Counts) { Path = Functional.CorePath.Composed };
            _fused = new ArbLoss(_step.Counts) { Path = Functional.CorePath.Fused };
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _composed.Dispose();
            _fused.Dispose();
        }

        private float Step(ArbLoss loss) => _step.Run(() => loss.call(_step.Logits, _step.Target));

        [Benchmark(Baseline = true, Description = "composed: cross_entropy(x + log n)")]
        public float Composed() => Step(_composed);

        [Benchmark(Description = "fused: softmax forward, in-place backward")]
        public float Fused() => Step(_fused);
    }
}
