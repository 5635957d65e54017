using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Forward + backward of a loss on logits [B, C] (CPU, 2 threads): TorchSharp's cross_entropy (baseline), the
    /// composition cross_entropy(x + log n) (what ArbLoss computes below the fused threshold), ArbLoss with batch and
    /// with global counts, and a literal port of the authors' formula (clamp to [-30, 30], exp, ratio matrix n_j / n_y,
    /// divide, log).
    /// </summary>
    [MemoryDiagnoser(false)]
    public class LossBenchmarks
    {
        private LossStep _step = null!;
        private Tensor _logits = null!;
        private Tensor _target = null!;
        private ArbLoss _arbBatch = null!;
        private ArbLoss _arbGlobal = null!;
        private Tensor _globalCounts = null!;
        private Tensor _logGlobalCounts = null!;

        /// <summary>Batch size x number of classes.</summary>
        [Params("128x10", "128x100", "512x1000", "256x8142")]
        public string Shape { get; set; } = "128x10";

        [GlobalSetup]
        public void Setup()
        {
            _step = LossStep.Create(Shape);
            (_logits, _target) = (_step.Logits, _step.Target);
            _arbBatch = new ArbLoss((int)_step.Classes);
            _arbGlobal = new ArbLoss(_step.Counts);
            _globalCounts = tensor(_step.Counts.Select(v => (float)v).ToArray());
            _logGlobalCounts = _globalCounts.log();
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _arbBatch.Dispose();
            _arbGlobal.Dispose();
        }

        private float Step(Func<Tensor> loss) => _step.Run(loss);

        [Benchmark(Baseline = true, Description = "cross_entropy")]
        public float CrossEntropy() => Step(() => nn.functional.cross_entropy(_logits, _target));

        [Benchmark(Description = "cross_entropy(x + log n), the composition")]
        public float Composition() => Step(() => nn.functional.cross_entropy(_logits.add(_logGlobalCounts), _target));

        [Benchmark(Description = "ArbLoss (batch counts)")]
        public float ArbBatch() => Step(() => _arbBatch.call(_logits, _target));

        [Benchmark(Description = "ArbLoss (global counts)")]
        public float ArbGlobal() => Step(() => _arbGlobal.call(_logits, _target));

        [Benchmark(Description = "authors' formula, literal (batch counts)")]
        public float LiteralBatch() => Step(() => AuthorsFormula.Loss(_logits, _target, null));

        [Benchmark(Description = "authors' formula, literal (global counts)")]
        public float LiteralGlobal() => Step(() => AuthorsFormula.Loss(_logits, _target, _globalCounts));
    }
}
