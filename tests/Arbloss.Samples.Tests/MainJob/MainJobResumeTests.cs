using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Cli;
using Arbloss.Samples.IO;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.MainJob
{
    /// <summary>The main job stopped and continued from the command line: each run resumes from its own folder with
    /// --resume, the printed hint is what works, and a second job into the same --out is refused, not overwritten.</summary>
    [Collection(TorchRngCollection.Name)]
    public class MainJobResumeTests
    {
        private static readonly string[] Names = { "fashion-mnist-lt-cross_entropy", "fashion-mnist-lt-arb_batch", "fashion-mnist-lt-arb_global" };

        private static (AppEnvironment Environment, string[] Args) Job(TempDir dir, params string[] more)
        {
            var data = Runs.TinyFashionMnist(dir);
            var environment = new AppEnvironment { FashionMnistFolders = Array.Empty<string>(), CacheRoot = dir.Combine("cache") };
            var args = new[] { "--data", data, "--out", dir.Combine("runs"), "--device", "cpu", "--no-download", "--no-plots",
                "--set", "num_epochs=2", "--set", "batch_size=64" }.Concat(more).ToArray();
            return (environment, args);
        }

        private static RunResults Results(TempDir dir, string name) =>
            Json.Deserialize<RunResults>(File.ReadAllText(dir.Combine("runs", name, "results.json")));

        [Fact]
        public void CtrlCHintsResumeAndResumeContinuesEachRunFromItsOwnFolder()
        {
            using var dir = new TempDir();
            var (environment, args) = Job(dir);
            var stopped = AppRun.RunAndStop("epoch   1/2", environment, args);
            Assert.Equal(CliErrors.Interrupted, stopped.Code);
            var line = Assert.Single(stopped.Error.TrimEnd().Split('\n'));
            Assert.Equal($"interrupted: {Names[0]} stopped after epoch 1 of 2 (its checkpoint is in {dir.Combine("runs", Names[0])}); continue the main job with --resume (and the same options).", line);
            Assert.DoesNotContain("--set resume", stopped.Error + stopped.Output);
            Assert.Contains("resume with --resume (and the same options)", stopped.Output);
            Assert.False(Directory.Exists(dir.Combine("runs", Names[1])));

            // Without --resume the job refuses to overwrite the stopped run.
            var refused = AppRun.Run(environment, args);
            Assert.Equal(CliErrors.Failure, refused.Code);
            Assert.Contains($"{dir.Combine("runs", Names[0])} already holds a run", refused.Error);
            Assert.Contains("continue the main job with --resume", refused.Error);
            Assert.Contains("--force", refused.Error);

            // The hint, as printed: every run ends complete; the first one resumed (not retrained), the others fresh.
            var resumed = AppRun.Run(environment, args.Append("--resume").ToArray());
            Assert.True(resumed.Code == 0, resumed.Error);
            Assert.Contains($"Resuming {Names[0]} after epoch 1", resumed.Output);
            foreach (var name in Names)
            {
                var r = Results(dir, name);
                Assert.Equal((2, true), (r.Epochs, r.Completed));
                Assert.Equal(3, File.ReadAllLines(dir.Combine("runs", name, "log.csv")).Length);
            }
            Assert.True(File.Exists(dir.Combine("runs", "comparison.json")));
            Assert.Contains("(2 epochs, seed 0)", File.ReadAllText(dir.Combine("runs", "comparison.md")));

            // --resume on a finished job trains nothing and writes the comparison again.
            var again = AppRun.Run(environment, args.Append("--resume").ToArray());
            Assert.True(again.Code == 0, again.Error);
            Assert.DoesNotContain("epoch   1/2", again.Output);
            Assert.Contains("nothing to train", again.Output);
        }

        [Fact]
        public void ASecondJobIntoTheSameFolderIsRefusedBeforeAnythingTrainsAndForceMovesTheRunsAside()
        {
            using var dir = new TempDir();
            var (environment, args) = Job(dir, "--set", "num_epochs=1");
            Assert.Equal(0, AppRun.Run(environment, args).Code);
            var before = File.ReadAllText(dir.Combine("runs", Names[0], "results.json"));

            var refused = AppRun.Run(environment, args);
            Assert.Equal(CliErrors.Failure, refused.Code);
            Assert.Single(refused.Error.TrimEnd().Split('\n'));
            Assert.Contains("--resume", refused.Error);
            Assert.DoesNotContain("epoch   1/1", refused.Output);
            Assert.Equal(before, File.ReadAllText(dir.Combine("runs", Names[0], "results.json")));

            var forced = AppRun.Run(environment, args.Append("--force").ToArray());
            Assert.True(forced.Code == 0, forced.Error);
            foreach (var name in Names)
                Assert.Single(Directory.GetDirectories(dir.Combine("runs"), name + ".old-*"));
            Assert.Contains("(1 epoch, seed 0)", File.ReadAllText(dir.Combine("runs", "comparison.md")));
            Assert.Contains("1 epoch each", forced.Output);
        }

        [Fact]
        public void CtrlCBeforeTheFirstEpochSaysNothingWasSaved()
        {
            using var dir = new TempDir();
            var (environment, args) = Job(dir);
            var stopped = AppRun.RunAndStop("[1/", environment, args);
            Assert.Equal(CliErrors.Interrupted, stopped.Code);
            var line = Assert.Single(stopped.Error.TrimEnd().Split('\n'));
            Assert.Equal($"interrupted: {Names[0]} was stopped before its first epoch finished, so nothing of it was saved; run the same command again to start it.", line);
            Assert.Empty(Directory.GetDirectories(dir.Combine("runs")));
            var again = AppRun.Run(environment, args.Concat(new[] { "--set", "num_epochs=1" }).ToArray());
            Assert.True(again.Code == 0, again.Error);
        }
    }
}
