using System;
using System.IO;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// GradientBalance.Compute against the authors' own computation as their training loop runs it (train_stage1.py of
    /// GitHub lilydedbb/ARBLOSS, written here in TorchSharp): the [B, C, D] tensor of per-row gradients
    /// <c>g[s, i] * f_s</c> (features repeated C times), then for each class i and each class j a chain of tensor
    /// operations: whether class i occurs in the batch (read back to the host), the indices of the samples of class j
    /// (<c>nonzero</c>), their rows gathered and summed, squared, summed and square-rooted, added into M[i, j]. CPU, two
    /// intra-op threads. Run: dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- --filter '*GradientBalanceBenchmarks*'
    /// </summary>
    /// <remarks>The authors' loop leaves M[i, j] at 0 for a class i absent from the batch; Compute fills every row.
    /// Their [B, C, D] tensor (and the repeated features, as large) is 2 x 4 B C D bytes: 1 GiB at 256 x 1000 x 512, 8 GiB at
    /// the 512 x 1000 x 2048 of <see cref="GradientBalanceLargeBenchmarks"/>, which is why the baseline stops at C = 1000, D = 512.</remarks>
    [Config(typeof(GradientBalanceConfig))]
    [MemoryDiagnoser]
    [Orderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared)]
    public class GradientBalanceBenchmarks
    {
        private Tensor _features = null!, _gradient = null!, _targets = null!;

        /// <summary>Batch size, classes, feature dimension.</summary>
        [Params("128x100x256", "256x1000x512")]
        public string Size { get; set; } = "";

        [GlobalSetup]
        public void Setup()
        {
            var (b, c, d) = GradientBalanceData.Parse(Size);
            (_features, _gradient, _targets) = GradientBalanceData.Make(b, c, d);
            GradientBalanceData.ReportPeakMemory(Size, _features, _gradient, _targets);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _features.Dispose();
            _gradient.Dispose();
            _targets.Dispose();
        }

        // Compute is declared (and so run) first: run after the authors' loop in the same process it measured 107-209 ms
        // instead of 0.4-7 ms (cause not pinned down; see benchmarks/README.md).
        [Benchmark(Description = "GradientBalance.Compute")]
        public long Compute()
        {
            using var result = GradientBalance.Compute(_features, _gradient, _targets);
            return result.Norms.shape[0];
        }

        /// <summary>M[i, j] = || sum over samples s of class j of g[s, i] f_s ||, pair by pair, as the authors' loop.</summary>
        [Benchmark(Baseline = true, Description = "authors' per-pair loop")]
        public double AuthorsLoop()
        {
            using var m = GradientBalanceData.AuthorsLoop(_features, _gradient, _targets);
            using var total = m.sum();
            return total.item<float>();
        }
    }

    /// <summary>GradientBalance.Compute at the foundation issue's target size (B = 512, C = 1000, D = 2048), where the
    /// authors' loop would need 8 GiB for its [B, C, D] tensors.</summary>
    [Config(typeof(GradientBalanceConfig))]
    [MemoryDiagnoser]
    public class GradientBalanceLargeBenchmarks
    {
        private Tensor _features = null!, _gradient = null!, _targets = null!;

        [GlobalSetup]
        public void Setup()
        {
            (_features, _gradient, _targets) = GradientBalanceData.Make(512, 1000, 2048);
            GradientBalanceData.ReportPeakMemory("512x1000x2048", _features, _gradient, _targets);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _features.Dispose();
            _gradient.Dispose();
            _targets.Dispose();
        }

        [Benchmark(Description = "GradientBalance.Compute 512x1000x2048")]
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
    /// The short job, run in process: the authors' loop takes seconds to minutes per call (past the in-process default time-out),
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

        /// <summary>
        /// The authors' computation (train_stage1.py): <c>grad = g.reshape(b, c, 1) * feat.reshape(b, -1, d).repeat(1, c, 1)</c>,
        /// then for every (i, j): <c>if (target == i).sum() &gt; 0</c> (a read-back), <c>idx = nonzero(target == j)</c>,
        /// <c>m[i, j] += sqrt(sum(sum(grad[:, i, :][idx], 0) ** 2))</c>.
        /// </summary>
        public static Tensor AuthorsLoop(Tensor features, Tensor gradient, Tensor targets)
        {
            long b = features.size(0), d = features.size(1), c = gradient.size(1);
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var m = zeros(c, c);
            var grad = gradient.reshape(b, c, 1).mul(features.reshape(b, -1, d).repeat(1, c, 1));
            var target = targets.reshape(-1);
            for (long i = 0; i < c; i++)
            {
                using var inner = NewDisposeScope();
                var iGrad = grad.select(1, i);
                for (long j = 0; j < c; j++)
                {
                    using var pair = NewDisposeScope();
                    if (target.eq(i).sum().item<long>() > 0)
                    {
                        var indices = nonzero(target.eq(j).to_type(ScalarType.Int32));
                        var ijGrad = iGrad.index(indices).sum(0);
                        m[i, j].add_(ijGrad.pow(2).sum().sqrt());
                    }
                }
            }
            return m.MoveToOuterDisposeScope();
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
