using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Forward + backward of a loss on logits [B, C] (CPU, 2 threads unless ARBLOSS_BENCH_THREADS says otherwise), the logits handed to the loss three ways
    /// (<see cref="LossSetup"/>: the output of a linear head over [B, 64] features, a fresh leaf per call, one reused
    /// leaf): TorchSharp's cross_entropy (baseline), ArbLoss with batch and with global counts, and the literal port of
    /// the authors' code (<see cref="AuthorsFormula"/>: counts, clamp to [-30, 30], exp, the repeated [B, C] ratio
    /// matrix n_j / n_y, divide, log). Every row of a setup does the same setup work (<see cref="LossStep.Run"/>), so
    /// the loss is the only difference from the baseline.
    /// </summary>
    [Config(typeof(LossBenchmarkConfig))]
    [MemoryDiagnoser(false)]
    public class LossBenchmarks
    {
        private LossStep _step = null!;
        private ArbLoss _arbBatch = null!;
        private ArbLoss _arbGlobal = null!;

        /// <summary>Batch size x number of classes.</summary>
        [Params("128x10", "128x100", "512x1000", "256x8142")]
        public string Shape { get; set; } = "128x10";

        /// <summary>How the logits reach the loss.</summary>
        [Params(LossSetup.Head, LossSetup.FreshLeaf, LossSetup.ReusedLeaf)]
        public LossSetup Setup { get; set; }

        [GlobalSetup]
        public void GlobalSetup()
        {
            _step = LossStep.Create(Shape, Setup);
            _arbBatch = new ArbLoss((int)_step.Classes);
            _arbGlobal = new ArbLoss(_step.Counts);
            // The port computes the same loss as ArbLoss (no logit here is near the clamp).
            foreach (var (arb, counts) in new[] { (_arbBatch, (long[]?)null), (_arbGlobal, _step.Counts) })
            {
                float expected = _step.Run(x => arb.call(x, _step.Target));
                float literal = _step.Run(x => AuthorsFormula.Loss(x, _step.Target, counts));
                if (Math.Abs(expected - literal) > 1e-4f * Math.Max(1f, Math.Abs(expected)))
                    throw new InvalidOperationException($"The literal port gives {literal}, ArbLoss {expected}.");
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _arbBatch.Dispose();
            _arbGlobal.Dispose();
            _step.Dispose();
        }

        [Benchmark(Baseline = true, Description = "cross_entropy")]
        public float CrossEntropy() => _step.Run(x => nn.functional.cross_entropy(x, _step.Target));

        [Benchmark(Description = "ArbLoss (batch counts)")]
        public float ArbBatch() => _step.Run(x => _arbBatch.call(x, _step.Target));

        [Benchmark(Description = "ArbLoss (global counts)")]
        public float ArbGlobal() => _step.Run(x => _arbGlobal.call(x, _step.Target));

        [Benchmark(Description = "authors' formula, literal (batch counts)")]
        public float LiteralBatch() => _step.Run(x => AuthorsFormula.Loss(x, _step.Target, null));

        [Benchmark(Description = "authors' formula, literal (global counts)")]
        public float LiteralGlobal() => _step.Run(x => AuthorsFormula.Loss(x, _step.Target, _step.Counts));

        /// <summary>The step without a loss (backward of logits.sum()): what every row pays for the setup itself.</summary>
        [Benchmark(Description = "setup only: logits.sum()")]
        public float SetupOnly() => _step.Run(x => x.sum());
    }

    /// <summary>An in-process job (see Program): 1 launch, 3 warm-up iterations, then the given number of measured
    /// iterations of about the given length.</summary>
    public abstract class InProcessJobConfig : ManualConfig
    {
        /// <summary>Adds the job.</summary>
        /// <param name="id">The job's name in the tables.</param>
        /// <param name="iterations">Measured iterations.</param>
        /// <param name="iterationMilliseconds">Target length of an iteration.</param>
        protected InProcessJobConfig(string id, int iterations, int iterationMilliseconds)
        {
            AddJob(Job.Default
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true))
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(iterations)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(iterationMilliseconds))
                .WithId(id));
        }
    }

    /// <summary>
    /// The loss benchmarks' job: 10 measured iterations of about 150 ms each, so that the 72 cases of
    /// <see cref="LossBenchmarks"/> take 5-8 minutes.
    /// </summary>
    public sealed class LossBenchmarkConfig : InProcessJobConfig
    {
        /// <summary>The job.</summary>
        public LossBenchmarkConfig() : base("LossShort", 10, 150)
        {
        }
    }
}
