using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Arbloss.Losses.Benchmarks
{
    public static class Program
    {
        /// <summary>
        /// Runs in-process (TorchSharp's natives and the ELF fix live next to this assembly) with a short job:
        /// 1 launch, 3 warm-up and 10 measured iterations. Pass BenchmarkDotNet arguments, e.g. <c>--filter '*LossBenchmarks*'</c>,
        /// or run one of the loss probes: <c>--probe</c>, <c>--heap</c>, <c>--memory</c> (<see cref="LossProbe"/>).
        /// </summary>
        public static void Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "--probe")
            {
                LossProbe.Time(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "--heap")
            {
                LossProbe.Heap(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "--dense-peak")
            {
                DenseProblem.PeakProbe(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "--dense-memory")
            {
                DenseProblem.MemoryProbe(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "--dense-time")
            {
                DenseProblem.TimeProbe(args[1..]);
                return;
            }
            if (args.Length > 0 && args[0] == "--memory")
            {
                LossProbe.Memory(args[1..]);
                return;
            }
            // Profiles that are plain timed loops, not BenchmarkDotNet runs (see MainJobProfile, TrainingStepProfile).
            if (args.Length > 0 && args[0] == "profile-main-job") { MainJobProfile.Run(args[1..]); return; }
            if (args.Length > 0 && args[0] == "profile-step") { TrainingStepProfile.Run(args[1..]); return; }
            if (args.Length > 0 && args[0] == "profile-loader") { LoaderAllocationProfile.Run(args[1..]); return; }
            var job = Job.Default
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true))
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(10)
                .WithId("InProcessShort");
            var config = DefaultConfig.Instance.AddJob(job.AsDefault());
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        }
    }
}
