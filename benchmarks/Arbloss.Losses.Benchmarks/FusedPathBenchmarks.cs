using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Where ArbLoss switches from the composition cross_entropy(x + log n) to its hand-written forward and backward
    /// (<c>Functional.FusedMinElements</c> = 2^18 elements): both paths forced, global counts, forward + backward on
    /// CPU with 2 threads, around the threshold, in the three setups of <see cref="LossSetup"/>. Baseline: the composed path.
    /// </summary>
    [Config(typeof(LossBenchmarkConfig))]
    [MemoryDiagnoser(false)]
    public class FusedPathBenchmarks
    {
        private LossStep _step = null!;
        private ArbLoss _composed = null!;
        private ArbLoss _fused = null!;

        /// <summary>Batch size x number of classes (B x C elements: 64K, 128K, 256K, 512K).</summary>
        [Params("256x256", "256x512", "512x512", "512x1000")]
        public string Shape { get; set; } = "256x256";

        /// <summary>How the logits reach the loss.</summary>
        [Params(LossSetup.Head, LossSetup.FreshLeaf, LossSetup.ReusedLeaf)]
        public LossSetup Setup { get; set; }

        [GlobalSetup]
        public void GlobalSetup()
        {
            _step = LossStep.Create(Shape, Setup);
            _composed = new ArbLoss(_step.Counts) { Path = Functional.CorePath.Composed };
            _fused = new ArbLoss(_step.Counts) { Path = Functional.CorePath.Fused };
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _composed.Dispose();
            _fused.Dispose();
            _step.Dispose();
        }

        private float Step(ArbLoss loss) => _step.Run(x => loss.call(x, _step.Target));

        [Benchmark(Baseline = true, Description = "composed: cross_entropy(x + log n)")]
        public float Composed() => Step(_composed);

        [Benchmark(Description = "fused: softmax forward, in-place backward")]
        public float Fused() => Step(_fused);
    }
}
