using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Stand-alone probes of the loss step (no BenchmarkDotNet), for the questions BenchmarkDotNet's table does not
    /// answer. Run from the build output folder:
    /// <code>
    /// dotnet Arbloss.Losses.Benchmarks.dll --probe [shapes...]    interleaved timing, page faults and heap growth
    /// LD_PRELOAD=.../allocprobe.so dotnet Arbloss.Losses.Benchmarks.dll --memory [shapes...]   peak native memory
    /// </code>
    /// Environment: PROBE_ROUNDS, PROBE_CALLS (timing), PROBE_SETUPS (e.g. "FreshLeaf,Head"), PROBE_METHODS (names
    /// containing any of these comma-separated words; cross_entropy always runs), PROBE_VERBOSE=1 (per-round times).
    /// </summary>
    internal static class LossProbe
    {
        // A Scalar made once: see Functional.Constants for why the benchmarks and the library avoid one per call.
        private static readonly Scalar One = 1.ToScalar();

        private static readonly string[] DefaultShapes = { "128x10", "128x100", "512x1000", "256x8142" };

        /// <summary>
        /// Timing: every method runs a block of calls in turn, round after round, so a disturbance of the shared
        /// machine hits all methods alike. Prints per method the median time per call, the median over rounds of its
        /// ratio to cross_entropy in the same round (with quartiles) and the minor page faults per call.
        /// </summary>
        public static void Time(string[] args)
        {
            int rounds = EnvInt("PROBE_ROUNDS", 15);
            int calls = EnvInt("PROBE_CALLS", 20);
            foreach (var shape in args.Length > 0 ? args : DefaultShapes)
                foreach (var setup in Setups())
                    TimeOne(shape, setup, rounds, calls);
        }

        /// <summary>
        /// Peak memory: with allocprobe.so preloaded, the largest number of native bytes live at once during one step
        /// beyond those live before it, and the bytes still live after it (what a step leaves behind), for each method.
        /// </summary>
        public static void Memory(string[] args)
        {
            if (!AllocProbe.Load())
            {
                Console.Error.WriteLine("allocprobe.so is not preloaded: build benchmarks/Arbloss.Losses.Benchmarks/native/allocprobe.c and set LD_PRELOAD (see benchmarks/README.md).");
                Environment.ExitCode = 2;
                return;
            }
            foreach (var shape in args.Length > 0 ? args : DefaultShapes)
                foreach (var setup in Setups())
                    MemoryOne(shape, setup);
        }

        /// <summary>
        /// Heap: one method alone (named exactly by PROBE_METHOD; cross_entropy when unset), a setup
        /// (first of PROBE_SETUPS), PROBE_CALLS steps (default 300): every 50 steps the process's resident set and
        /// glibc's heap (arena, in use, free), then the same after a full garbage collection. A heap whose free part
        /// grows while its used part stays is fragmenting: every new buffer then lands on fresh pages.
        /// </summary>
        public static void Heap(string[] args)
        {
            var shape = args.Length > 0 ? args[0] : "512x1000";
            using var methods = new Methods(shape, Setups().First());
            var wanted = Environment.GetEnvironmentVariable("PROBE_METHOD") ?? "cross_entropy";
            var (name, loss) = methods.List.Single(m => m.Name == wanted);
            int calls = EnvInt("PROBE_CALLS", 300);
            Console.WriteLine($"## {shape} {methods.Step.Setup}: {name}, {calls} steps alone");
            for (int i = 1; i <= calls; i++)
            {
                methods.Step.Run(loss);
                if (i % 50 == 0) Console.WriteLine($"  step {i,4}: {HeapReport()}");
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Console.WriteLine($"  after a full GC: {HeapReport()}");
        }

        private static string HeapReport()
        {
            long rss = 0;
            foreach (var line in System.IO.File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
            var m = NativeMallInfo2();
            return $"RSS {rss,5} MiB, heap {(long)m.Arena >> 20,5} MiB = {(long)m.Uordblks >> 20,4} MiB in use + {(long)m.Fordblks >> 20,5} MiB free";
        }

        private static void TimeOne(string shape, LossSetup setup, int rounds, int calls)
        {
            using var methods = new Methods(shape, setup);
            var list = methods.List;
            var perCall = list.Select(_ => new List<double>()).ToArray();
            var ratios = list.Select(_ => new List<double>()).ToArray();
            var faults = new long[list.Count];
            foreach (var m in list) for (int i = 0; i < 5; i++) methods.Step.Run(m.Loss);
            var sw = new Stopwatch();
            var times = new double[calls];
            for (int round = 0; round < rounds; round++)
            {
                var medians = new double[list.Count];
                for (int m = 0; m < list.Count; m++)
                {
                    long faultsBefore = MinorFaults();
                    for (int i = 0; i < calls; i++)
                    {
                        sw.Restart();
                        methods.Step.Run(list[m].Loss);
                        times[i] = sw.Elapsed.TotalMicroseconds;
                    }
                    faults[m] += MinorFaults() - faultsBefore;
                    medians[m] = Median(times);
                    perCall[m].Add(medians[m]);
                }
                for (int m = 0; m < list.Count; m++) ratios[m].Add(medians[m] / medians[0]);
            }
            Console.WriteLine($"## {shape} {setup} ({rounds} rounds x {calls} calls, {LossStep.Threads} threads; load average {LoadAverage()})");
            for (int m = 0; m < list.Count; m++)
            {
                var rs = ratios[m].OrderBy(v => v).ToArray();
                double n = rounds * (double)calls;
                Console.WriteLine($"  {list[m].Name,-26} {Median(perCall[m].ToArray()),10:F1} us  ratio {Median(rs):F2} (q1 {rs[rs.Length / 4]:F2}, q3 {rs[3 * rs.Length / 4]:F2})  faults/call {faults[m] / n,6:F0}");
                if (Environment.GetEnvironmentVariable("PROBE_VERBOSE") == "1")
                    Console.WriteLine("      rounds: " + string.Join(" ", perCall[m].Select(v => v.ToString("F0"))));
            }
        }

        private static void MemoryOne(string shape, LossSetup setup)
        {
            using var methods = new Methods(shape, setup);
            double buffer = methods.Step.Batch * methods.Step.Classes * 4.0;
            Console.WriteLine($"## {shape} {setup}: extra peak native bytes during one step (median of 5), in MiB and in [B, C] float32 buffers ({buffer / (1 << 20):F2} MiB)");
            foreach (var (name, loss) in methods.List)
            {
                for (int i = 0; i < 3; i++) methods.Step.Run(loss);
                var peaks = new List<long>();
                var retained = new List<long>();
                for (int i = 0; i < 5; i++)
                {
                    long before = AllocProbe.Live();
                    AllocProbe.Reset();
                    methods.Step.Run(loss);
                    peaks.Add(AllocProbe.Peak() - before);
                    retained.Add(AllocProbe.Live() - before);
                }
                double peak = Median(peaks.Select(v => (double)v).ToArray());
                double kept = Median(retained.Select(v => (double)v).ToArray());
                Console.WriteLine($"  {name,-26} peak {peak / (1 << 20),8:F2} MiB = {peak / buffer,5:F2} buffers   left after the step {kept / 1024,8:F1} KiB");
            }
        }

        /// <summary>The methods compared, on one step.</summary>
        private sealed class Methods : IDisposable
        {
            private readonly ArbLoss _arbBatch, _arbGlobal, _composedGlobal, _fusedGlobal;
            private readonly Tensor _globalCounts, _logGlobalCounts;

            public Methods(string shape, LossSetup setup)
            {
                Step = LossStep.Create(shape, setup);
                _arbBatch = new ArbLoss((int)Step.Classes);
                _arbGlobal = new ArbLoss(Step.Counts);
                _composedGlobal = new ArbLoss(Step.Counts) { Path = Functional.CorePath.Composed };
                _fusedGlobal = new ArbLoss(Step.Counts) { Path = Functional.CorePath.Fused };
                _globalCounts = tensor(Step.Counts.Select(v => (float)v).ToArray());
                _logGlobalCounts = _globalCounts.log();
                var all = new List<(string Name, Func<Tensor, Tensor> Loss)>
                {
                    ("cross_entropy", x => nn.functional.cross_entropy(x, Step.Target)),
                    ("composition", x => nn.functional.cross_entropy(x.add(_logGlobalCounts, One), Step.Target)),
                    ("ArbLoss batch", x => _arbBatch.call(x, Step.Target)),
                    ("ArbLoss global", x => _arbGlobal.call(x, Step.Target)),
                    ("ArbLoss global, composed", x => _composedGlobal.call(x, Step.Target)),
                    ("ArbLoss global, fused", x => _fusedGlobal.call(x, Step.Target)),
                    ("literal batch", x => AuthorsFormula.Loss(x, Step.Target, null)),
                    ("literal global", x => AuthorsFormula.Loss(x, Step.Target, Step.Counts)),
                    ("setup only: sum()", x => x.sum()),
                };
                var only = Environment.GetEnvironmentVariable("PROBE_METHODS");
                List = string.IsNullOrEmpty(only)
                    ? all
                    : all.Where((m, i) => i == 0 || only.Split(',').Any(k => m.Name.Contains(k, StringComparison.OrdinalIgnoreCase))).ToList();
            }

            public LossStep Step { get; }
            public List<(string Name, Func<Tensor, Tensor> Loss)> List { get; }

            public void Dispose()
            {
                _arbBatch.Dispose();
                _arbGlobal.Dispose();
                _composedGlobal.Dispose();
                _fusedGlobal.Dispose();
                _globalCounts.Dispose();
                _logGlobalCounts.Dispose();
                Step.Dispose();
            }
        }

        private static IEnumerable<LossSetup> Setups()
        {
            var names = Environment.GetEnvironmentVariable("PROBE_SETUPS");
            return string.IsNullOrEmpty(names)
                ? Enum.GetValues<LossSetup>()
                : names.Split(',').Select(n => Enum.Parse<LossSetup>(n, ignoreCase: true));
        }

        private static int EnvInt(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

        /// <summary>Minor page faults of this process so far (field 10 of /proc/self/stat); 0 where there is none.</summary>
        private static long MinorFaults()
        {
            try
            {
                var stat = System.IO.File.ReadAllText("/proc/self/stat");
                return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7]);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }

        private static string LoadAverage()
        {
            try
            {
                return System.IO.File.ReadAllText("/proc/loadavg").Split(' ')[0];
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                return "?";
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct MallInfo2
        {
            public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
        }

        [DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallInfo2 NativeMallInfo2();

        private static double Median(double[] values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            int n = sorted.Length;
            return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        }

        /// <summary>The functions of native/allocprobe.c, found in the preloaded library.</summary>
        internal static class AllocProbe
        {
            [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
            private delegate long Counter();

            [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
            private delegate void Action0();

            private static Counter? s_live, s_peak;
            private static Action0? s_reset;

            public static bool Load()
            {
                var preload = Environment.GetEnvironmentVariable("LD_PRELOAD") ?? "";
                var path = preload.Split(':', ' ').FirstOrDefault(p => p.EndsWith("allocprobe.so", StringComparison.Ordinal));
                if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return false;
                s_live = Marshal.GetDelegateForFunctionPointer<Counter>(NativeLibrary.GetExport(handle, "allocprobe_live"));
                s_peak = Marshal.GetDelegateForFunctionPointer<Counter>(NativeLibrary.GetExport(handle, "allocprobe_peak"));
                s_reset = Marshal.GetDelegateForFunctionPointer<Action0>(NativeLibrary.GetExport(handle, "allocprobe_reset"));
                return true;
            }

            public static long Live() => s_live!();
            public static long Peak() => s_peak!();
            public static void Reset() => s_reset!();
        }
    }
}
