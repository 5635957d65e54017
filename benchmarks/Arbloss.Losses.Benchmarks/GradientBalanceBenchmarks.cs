using System;
using System.IO;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// GradientBalance.Compute against the literal per-pair double loop (the definition, on host arrays), on CPU with
    /// two intra-op threads. Run: dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- --filter '*GradientBalance*'
    /// </summary>
    [Config(typeof(GradientBalanceConfig))]
    [MemoryDiagnoser]
    public class GradientBalanceBenchmarks
    {
        private Tensor _features = null!, _gradient = null!, _targets = null!;
        private float[] _f = Array.Empty<float>(), _g = Array.Empty<float>();
        private long[] _y = Array.Empty<long>();

        /// <summary>Batch size, classes, feature dimension.</summary>
        [Params("128x100x256", "512x1000x2048")]
        public string Size { get; set; } = "";

        [GlobalSetup]
        public void Setup()
        {
            var (b, c, d) = GradientBalanceData.Parse(Size);
            (_features, _gradient, _targets) = GradientBalanceData.Make(b, c, d);
            _f = _features.data<float>().ToArray();
            _g = _gradient.data<float>().ToArray();
            _y = _targets.data<long>().ToArray();
            GradientBalanceData.ReportPeakMemory(Size, _features, _gradient, _targets);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _features.Dispose();
            _gradient.Dispose();
            _targets.Dispose();
        }

        /// <summary>M[i, j] = || sum over samples s of class j of g[s, i] f_s ||, pair by pair.</summary>
        [Benchmark(Baseline = true, Description = "literal double loop")]
        public double LiteralDoubleLoop()
        {
            int b = _y.Length, c = _g.Length / b, d = _f.Length / b;
            var v = new double[d];
            double checksum = 0;
            for (int i = 0; i < c; i++)
                for (int j = 0; j < c; j++)
                {
                    Array.Clear(v);
                    for (int s = 0; s < b; s++)
                    {
                        if (_y[s] != j) continue;
                        double w = _g[s * c + i];
                        int row = s * d;
                        for (int k = 0; k < d; k++) v[k] += w * _f[row + k];
                    }
                    double sq = 0;
                    for (int k = 0; k < d; k++) sq += v[k] * v[k];
                    checksum += Math.Sqrt(sq);
                }
            return checksum;
        }

        [Benchmark(Description = "GradientBalance.Compute")]
        public long Compute()
        {
            using var result = GradientBalance.Compute(_features, _gradient, _targets);
            return result.Norms.shape[0];
        }
    }

    /// <summary>GradientBalance.Compute at the iNaturalist 2018 class count (C = 8142), where the double loop is out of reach.</summary>
    [Config(typeof(GradientBalanceConfig))]
    [MemoryDiagnoser]
    public class GradientBalanceINaturalistBenchmarks
    {
        private Tensor _features = null!, _gradient = null!, _targets = null!;

        [GlobalSetup]
        public void Setup()
        {
            (_features, _gradient, _targets) = GradientBalanceData.Make(512, 8142, 2048);
            GradientBalanceData.ReportPeakMemory("512x8142x2048", _features, _gradient, _targets);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _features.Dispose();
            _gradient.Dispose();
            _targets.Dispose();
        }

        [Benchmark(Description = "GradientBalance.Compute C=8142")]
        public long Compute()
        {
            using var result = GradientBalance.Compute(_features, _gradient, _targets);
            return result.Norms.shape[0];
        }
    }

    /// <summary>
    /// The short job, run in process: the literal loop takes seconds per call (past the in-process default time-out),
    /// and BenchmarkDotNet's generated out-of-process project does not import Directory.Build.targets, so its copy of
    /// TorchSharp's native library would miss the repository's Debian 12 load fix.
    /// </summary>
    public sealed class GradientBalanceConfig : ManualConfig
    {
        public GradientBalanceConfig() =>
            AddJob(Job.ShortRun.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)));
    }

    /// <summary>Shared inputs: ReLU-like features and a softmax-minus-one-hot logit gradient, float32 on the CPU.</summary>
    public static class GradientBalanceData
    {
        public static (int B, int C, int D) Parse(string size)
        {
            var p = size.Split('x').Select(int.Parse).ToArray();
            return (p[0], p[1], p[2]);
        }

        public static (Tensor features, Tensor gradient, Tensor targets) Make(int b, int c, int d)
        {
            torch.set_num_threads(2);
            torch.manual_seed(1);
            using var scope = NewDisposeScope();
            var features = randn(b, d).relu_();
            var targets = randint(0, c, new long[] { b }, ScalarType.Int64);
            var gradient = randn(b, c).softmax(1).sub_(nn.functional.one_hot(targets, c).to_type(ScalarType.Float32)).div_(b);
            return (features.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
        }

        /// <summary>
        /// Prints the extra resident memory of one Compute call: peak RSS (VmHWM, reset through /proc/self/clear_refs)
        /// minus RSS before the call. Linux only; BenchmarkDotNet's MemoryDiagnoser sees managed memory only.
        /// </summary>
        public static void ReportPeakMemory(string label, Tensor features, Tensor gradient, Tensor targets)
        {
            if (!File.Exists("/proc/self/clear_refs")) return;
            using (GradientBalance.Compute(features, gradient, targets)) { }   // warm caches and allocator
            long before = StatusKiB("VmRSS");
            File.WriteAllText("/proc/self/clear_refs", "5");
            using (GradientBalance.Compute(features, gradient, targets)) { }
            long peak = StatusKiB("VmHWM");
            Console.WriteLine($"// GradientBalance {label}: extra peak RSS during Compute = {(peak - before) / 1024.0:F1} MiB");
        }

        private static long StatusKiB(string key)
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
    }
}
