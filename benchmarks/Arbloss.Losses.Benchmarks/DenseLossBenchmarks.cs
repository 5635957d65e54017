using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Dense (segmentation) ARB-Loss, forward + backward on logits [N, C, H, W] (CPU, 2 threads) handed to the loss as a
    /// fresh leaf per step, at a Cityscapes-like [8, 19, 128, 256] and an ADE20K-like [16, 150, 64, 64]: TorchSharp's
    /// <c>cross_entropy(ignore_index: 255)</c> (baseline) against ArbLoss with batch and with global counts (same ignore
    /// index). Targets follow a long-tailed pixel profile (class c with weight 0.7^c) with 5% of the pixels ignored.
    /// </summary>
    [Config(typeof(DenseBenchmarkConfig))]
    [MemoryDiagnoser(false)]
    public class DenseLossBenchmarks
    {
        private DenseProblem _problem = null!;
        private ArbLoss _batch = null!;
        private ArbLoss _global = null!;

        /// <summary>N x C x H x W.</summary>
        [Params("8x19x128x256", "16x150x64x64")]
        public string Shape { get; set; } = "8x19x128x256";

        [GlobalSetup]
        public void Setup()
        {
            _problem = DenseProblem.Create(Shape);
            _batch = new ArbLoss(_problem.Classes, ignoreIndex: DenseProblem.Ignore);
            _global = new ArbLoss(_problem.Counts, ignoreIndex: DenseProblem.Ignore);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _batch.Dispose();
            _global.Dispose();
            _problem.Dispose();
        }

        [Benchmark(Baseline = true, Description = "cross_entropy")]
        public float CrossEntropy() => _problem.Step(x => nn.functional.cross_entropy(x, _problem.Target, ignore_index: DenseProblem.Ignore));

        [Benchmark(Description = "ArbLoss (batch counts)")]
        public float Batch() => _problem.Step(x => _batch.call(x, _problem.Target));

        [Benchmark(Description = "ArbLoss (global counts)")]
        public float Global() => _problem.Step(x => _global.call(x, _problem.Target));
    }

    /// <summary>A step takes 10-100 ms here: iterations of 600 ms (several steps each), 15 of them after 3 warm-ups.</summary>
    public sealed class DenseBenchmarkConfig : InProcessJobConfig
    {
        /// <summary>The job.</summary>
        public DenseBenchmarkConfig() : base("DenseSteps", 15, 600)
        {
        }
    }

    /// <summary>The dense problem of <see cref="DenseLossBenchmarks"/> and of the peak-memory probe.</summary>
    internal sealed class DenseProblem : IDisposable
    {
        public const long Ignore = 255;

        private readonly Tensor _logits;

        private DenseProblem(Tensor logits, Tensor target, long[] counts)
        {
            _logits = logits;
            Target = target;
            Counts = counts;
        }

        public Tensor Target { get; }

        public long[] Counts { get; }

        public int Classes => Counts.Length;

        public static DenseProblem Create(string shape)
        {
            torch.set_num_threads(2);
            var s = shape.Split('x').Select(long.Parse).ToArray();
            torch.manual_seed(1);
            var logits = torch.randn(s[0], s[1], s[2], s[3]);
            // Long-tailed pixel classes: inverse-CDF sampling of weights 0.7^c, then 5% ignored.
            var weights = torch.pow(0.7, torch.arange(s[1], ScalarType.Float64));
            var target = torch.multinomial(weights, s[0] * s[2] * s[3], replacement: true).reshape(s[0], s[2], s[3]);
            target.masked_fill_(torch.rand(s[0], s[2], s[3]).lt(0.05), Ignore);
            var valid = target.ne(Ignore);
            var counts = target.masked_select(valid).bincount(null, s[1]).data<long>().ToArray().Select(c => Math.Max(1L, c)).ToArray();
            return new DenseProblem(logits, target, counts);
        }

        /// <summary>One forward + backward with the logits as a fresh leaf.</summary>
        public float Step(Func<Tensor, Tensor> loss)
        {
            using var scope = NewDisposeScope();
            var x = _logits.clone().requires_grad_(true);
            var value = loss(x);
            value.backward();
            return value.item<float>();
        }

        /// <summary>Peak resident memory of this process so far (VmHWM), MiB.</summary>
        public static long PeakResidentMiB()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
            return -1;
        }

        /// <summary><c>--dense-peak METHOD SHAPE</c>: five steps of one method in a fresh process, then its peak resident
        /// memory beside that of the problem alone (so the loss's own peak is the difference).</summary>
        public static void PeakProbe(string[] args)
        {
            var method = args.Length > 0 ? args[0] : "cross_entropy";
            var shape = args.Length > 1 ? args[1] : "8x19x128x256";
            using var problem = Create(shape);
            long before = PeakResidentMiB();
            using var batch = new ArbLoss(problem.Classes, ignoreIndex: Ignore);
            using var global = new ArbLoss(problem.Counts, ignoreIndex: Ignore);
            Func<Tensor, Tensor> loss = method switch
            {
                "arb_batch" => x => batch.call(x, problem.Target),
                "arb_global" => x => global.call(x, problem.Target),
                _ => x => nn.functional.cross_entropy(x, problem.Target, ignore_index: Ignore),
            };
            for (int i = 0; i < 5; i++) problem.Step(loss);
            Console.WriteLine($"{shape} {method}: peak RSS {PeakResidentMiB()} MiB (problem alone {before} MiB)");
        }

        /// <summary>The probes' methods: cross_entropy, then ArbLoss in both count modes on the fused node and on the
        /// composition (forced on this thread for the step).</summary>
        private (string Name, Func<float> Run)[] Methods(ArbLoss batch, ArbLoss global)
        {
            float Forced(Functional.CorePath path, ArbLoss loss)
            {
                ArbDense.ForcePath = path;
                try { return Step(x => loss.call(x, Target)); }
                finally { ArbDense.ForcePath = Functional.CorePath.Auto; }
            }
            return new (string Name, Func<float> Run)[]
            {
                ("cross_entropy", () => Step(x => nn.functional.cross_entropy(x, Target, ignore_index: Ignore))),
                ("arb_batch fused", () => Forced(Functional.CorePath.Fused, batch)),
                ("arb_global fused", () => Forced(Functional.CorePath.Fused, global)),
                ("arb_batch composed", () => Forced(Functional.CorePath.Composed, batch)),
                ("arb_global composed", () => Forced(Functional.CorePath.Composed, global)),
            };
        }

        /// <summary><c>--dense-time SHAPE [ROUNDS]</c>: a quick interleaved look (not a BenchmarkDotNet run): per round one
        /// step of each method in turn, rotating which goes first; prints the median milliseconds of each and its ratio to
        /// cross_entropy. The dense ARB path is timed both fused (the default for large problems) and composed.</summary>
        public static void TimeProbe(string[] args)
        {
            var shape = args.Length > 0 ? args[0] : "8x19x128x256";
            int rounds = args.Length > 1 ? int.Parse(args[1]) : 30;
            using var problem = Create(shape);
            using var batch = new ArbLoss(problem.Classes, ignoreIndex: Ignore);
            using var global = new ArbLoss(problem.Counts, ignoreIndex: Ignore);
            Report(shape, problem.Methods(batch, global), rounds);
        }

        /// <summary>Runs every method <paramref name="rounds"/> times, interleaved with a rotating first, and prints the
        /// medians with their ratio to the first method.</summary>
        private static void Report(string label, (string Name, Func<float> Run)[] methods, int rounds)
        {
            var times = methods.Select(_ => new List<double>()).ToArray();
            foreach (var m in methods) { m.Run(); m.Run(); }
            var clock = new System.Diagnostics.Stopwatch();
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < methods.Length; k++)
                {
                    int i = (k + r) % methods.Length;
                    clock.Restart();
                    methods[i].Run();
                    times[i].Add(clock.Elapsed.TotalMilliseconds);
                }
            double Median(List<double> t) { var s = t.OrderBy(v => v).ToArray(); return s[s.Length / 2]; }
            double baseline = Median(times[0]);
            for (int i = 0; i < methods.Length; i++)
                Console.WriteLine($"{label} {methods[i].Name,-22} median {Median(times[i]),8:F2} ms  ratio {Median(times[i]) / baseline:F2}");
        }

        /// <summary><c>--dense-memory SHAPE</c> (with native/allocprobe.so preloaded): the extra peak of native bytes during
        /// one forward + backward of each method (median of 5 steps), in MiB and in [N, C, H, W] float32 buffers.</summary>
        public static void MemoryProbe(string[] args)
        {
            if (!LossProbe.AllocProbe.Load())
            {
                Console.Error.WriteLine("allocprobe.so is not preloaded: build benchmarks/Arbloss.Losses.Benchmarks/native/allocprobe.c and set LD_PRELOAD (see benchmarks/README.md).");
                Environment.ExitCode = 2;
                return;
            }
            var shape = args.Length > 0 ? args[0] : "8x19x128x256";
            using var problem = Create(shape);
            using var batch = new ArbLoss(problem.Classes, ignoreIndex: Ignore);
            using var global = new ArbLoss(problem.Counts, ignoreIndex: Ignore);
            double buffer = problem._logits.numel() * 4.0;
            var methods = problem.Methods(batch, global);
            Console.WriteLine($"## {shape}: extra peak native bytes of one step with a fresh leaf (the leaf's copy included), one buffer = {buffer / (1 << 20):F1} MiB");
            foreach (var (name, run) in methods)
            {
                for (int i = 0; i < 3; i++) run();
                var peaks = new List<long>();
                for (int i = 0; i < 5; i++)
                {
                    long before = LossProbe.AllocProbe.Live();
                    LossProbe.AllocProbe.Reset();
                    run();
                    peaks.Add(LossProbe.AllocProbe.Peak() - before);
                }
                long median = peaks.OrderBy(v => v).ElementAt(2);
                Console.WriteLine($"  {name,-28} {median / (double)(1 << 20),8:F1} MiB = {median / buffer:F2} buffers");
            }
        }

        public void Dispose()
        {
            _logits.Dispose();
            Target.Dispose();
        }
    }
}
