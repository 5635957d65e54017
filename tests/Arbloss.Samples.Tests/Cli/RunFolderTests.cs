using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbloss.Samples.Cli;
using Arbloss.Samples.IO;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using Xunit;

namespace Arbloss.Samples.Tests.Cli
{
    /// <summary>
    /// Stopping and continuing a run from the command line, as a new user does it: a folder holding a run is never
    /// overwritten by mistake, a resumed run continues in its own folder, Ctrl+C says what is true, and a resume that
    /// cannot keep its promise (fewer epochs than done) is an error. Each case checks the exit code, the message and
    /// the files on disk.
    /// </summary>
    [Collection(TorchRngCollection.Name)]
    public class RunFolderTests
    {
        /// <summary>A tiny Fashion-MNIST config (4 batches per epoch, progress printed after every batch).</summary>
        private static string TinyConfig(TempDir dir, int epochs = 3)
        {
            var data = Runs.TinyFashionMnist(dir);
            var path = dir.Combine("tiny.yaml");
            File.WriteAllText(path, $@"name: tiny
dataset: fashion-mnist
data_path: '{data}'
imb_factor: 0.1
head_class_idx: [0, 3]
med_class_idx: [3, 7]
tail_class_idx: [7, 10]
lr: 0.05
batch_size: 32
num_epochs: {epochs}
cos: true
workers: 1
print_freq: 1
seed: 7
log_dir: '{dir.Combine("runs")}'
");
            return path;
        }

        private static (int Code, string Output, string Error) Train(string config, params string[] more) =>
            AppRun.Run(new[] { "train", "--config", config, "--device", "cpu", "--no-download", "--no-plots" }.Concat(more).ToArray());

        private static string[] LogRows(string folder) => File.ReadAllLines(Path.Combine(folder, "log.csv"));

        [Fact]
        public void TrainingAgainIntoAFolderHoldingARunRefusesAndKeepsItUntilForceMovesItAside()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 1);
            var run = dir.Combine("runs", "tiny");
            var first = Train(config);
            Assert.True(first.Code == 0, first.Error);
            var checkpoint = File.ReadAllBytes(Path.Combine(run, "checkpoints", "last.ckpt"));
            var results = File.ReadAllText(Path.Combine(run, "results.json"));

            // The user forgets --set resume: refused, one line naming the folder and both ways on; nothing touched.
            var again = Train(config);
            Assert.Equal(CliErrors.Failure, again.Code);
            Assert.Single(again.Error.TrimEnd().Split('\n'));
            Assert.Contains($"{run} already holds a run (checkpoints/last.ckpt, checkpoints/best.ckpt, results.json, log.csv)", again.Error);
            Assert.Contains($"continue it with --set resume={run}", again.Error);
            Assert.Contains("--force", again.Error);
            Assert.DoesNotContain("epoch   1/1", again.Output);
            Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(run, "checkpoints", "last.ckpt")));
            Assert.Equal(results, File.ReadAllText(Path.Combine(run, "results.json")));

            // --force starts over; the old run is moved aside whole, not deleted.
            var forced = Train(config, "--force");
            Assert.True(forced.Code == 0, forced.Error);
            var aside = Assert.Single(Directory.GetDirectories(dir.Combine("runs"), "tiny.old-*"));
            Assert.Contains($"Moved the previous run in {run} to {aside}", forced.Output);
            Assert.Equal(checkpoint, File.ReadAllBytes(Path.Combine(aside, "checkpoints", "last.ckpt")));
            Assert.Equal(results, File.ReadAllText(Path.Combine(aside, "results.json")));
            Assert.True(File.Exists(Path.Combine(aside, "log.csv")));
            Assert.Equal(2, LogRows(run).Length);

            // --force --delete-old deletes it instead: no second copy aside.
            var deleted = Train(config, "--force", "--delete-old");
            Assert.True(deleted.Code == 0, deleted.Error);
            Assert.Contains($"Deleted the previous run in {run}", deleted.Output);
            Assert.Single(Directory.GetDirectories(dir.Combine("runs"), "tiny.old-*"));
            Assert.Equal(2, LogRows(run).Length);
        }

        [Fact]
        public void CtrlCAfterAnEpochPrintsAResumeThatWorksAndContinuesInTheSameFolder()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir);
            var run = dir.Combine("runs", "tiny");
            var stopped = AppRun.RunAndStop("epoch   1/3", new AppEnvironment(), "train", "--config", config, "--device", "cpu", "--no-download", "--no-plots");
            Assert.Equal(CliErrors.Interrupted, stopped.Code);
            Assert.Contains("Stopped after epoch 1 of 3 (its checkpoint is kept)", stopped.Output);
            var line = Assert.Single(stopped.Error.TrimEnd().Split('\n'));
            Assert.Equal($"interrupted: tiny stopped after epoch 1 of 3; its checkpoint is {Path.Combine(run, "checkpoints", "last.ckpt")}; resume with --set resume={run}", line);
            Assert.Equal(1, Checkpoint.ReadState(Path.Combine(run, "checkpoints", "last.ckpt")).EpochsCompleted);

            // What the message says, typed as it says, without --out: the run continues in its own folder.
            var hint = line[(line.IndexOf("resume with ", StringComparison.Ordinal) + "resume with ".Length)..];
            var resumed = Train(config, hint.Split(' ', 2));
            Assert.True(resumed.Code == 0, resumed.Error);
            Assert.Contains("Resuming tiny after epoch 1", resumed.Output);
            Assert.Equal(4, LogRows(run).Length);
            var results = Json.Deserialize<Arbloss.Samples.Reporting.RunResults>(File.ReadAllText(Path.Combine(run, "results.json")));
            Assert.Equal((3, true), (results.Epochs, results.Completed));
            Assert.Single(Directory.GetDirectories(dir.Combine("runs")));
        }

        [Fact]
        public void AResumeWithoutOutWritesIntoTheFolderItResumesNotLogDirName()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir);
            var first = dir.Combine("first");
            // The authors' trailing KEY VALUE pairs and --cfg work as --set and --config.
            var one = AppRun.Run("train", "--cfg", config, "--out", first, "--device", "cpu", "--no-download", "--no-plots", "num_epochs", "1");
            Assert.True(one.Code == 0, one.Error);

            var byFolder = Train(config, "--set", $"resume={first}", "--set", "num_epochs=2");
            Assert.True(byFolder.Code == 0, byFolder.Error);
            Assert.Equal(3, LogRows(first).Length);
            Assert.False(Directory.Exists(dir.Combine("runs", "tiny")), "the resumed run must not go to log_dir/name");

            // The checkpoint file itself, as a user may give it: the same folder again.
            var byFile = Train(config, "--set", $"resume={Path.Combine(first, "checkpoints", "last.ckpt")}");
            Assert.True(byFile.Code == 0, byFile.Error);
            Assert.Equal(4, LogRows(first).Length);
            Assert.False(Directory.Exists(dir.Combine("runs")));
        }

        [Fact]
        public void CtrlCBeforeTheFirstEpochEndsSaysNothingWasSavedAndLeavesNothing()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir);
            var run = dir.Combine("runs", "tiny");
            var stopped = AppRun.RunAndStop("[1/4]", new AppEnvironment(), "train", "--config", config, "--device", "cpu", "--no-download", "--no-plots");
            Assert.Equal(CliErrors.Interrupted, stopped.Code);
            var line = Assert.Single(stopped.Error.TrimEnd().Split('\n'));
            Assert.Equal("interrupted: tiny was stopped before its first epoch finished; nothing was saved (run the same command again to start it).", line);
            Assert.DoesNotContain("checkpoint is kept", stopped.Error + stopped.Output);
            Assert.False(Directory.Exists(run));

            // And the same command does start it (nothing to refuse).
            var again = Train(config, "--set", "num_epochs=1");
            Assert.True(again.Code == 0, again.Error);
        }

        [Fact]
        public void ResumingWithFewerEpochsThanDoneIsAnErrorNamingBothNumbers()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 2);
            var run = dir.Combine("runs", "tiny");
            Assert.Equal(0, Train(config).Code);
            var results = File.ReadAllText(Path.Combine(run, "results.json"));

            var (code, output, error) = Train(config, "--set", $"resume={run}", "--set", "num_epochs=1");
            Assert.Equal(CliErrors.Failure, code);
            Assert.Single(error.TrimEnd().Split('\n'));
            Assert.Contains("--set num_epochs=1: num_epochs is 1 but the checkpoint", error);
            Assert.Contains("has 2 epochs done; resume with num_epochs 2 or more", error);
            Assert.DoesNotContain("Results:", output);
            Assert.Equal(results, File.ReadAllText(Path.Combine(run, "results.json")));
        }

        [Fact]
        public void ChangingNumEpochsOnResumeSaysTheCosineScheduleChangesInOneLine()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir);
            var run = dir.Combine("runs", "tiny");
            var stopped = AppRun.RunAndStop("epoch   1/3", new AppEnvironment(), "train", "--config", config, "--device", "cpu", "--no-download", "--no-plots");
            Assert.Equal(CliErrors.Interrupted, stopped.Code);

            var (code, output, error) = Train(config, "--set", $"resume={run}", "--set", "num_epochs=4");
            Assert.True(code == 0, error);
            var note = Assert.Single(output.Split('\n'), l => l.StartsWith("note: the learning-rate schedule", StringComparison.Ordinal));
            // lr 0.05, cosine: epoch 2 of 4 runs at 0.5 * 0.05 * (1 + cos(pi / 4)), not at epoch 2 of 3's 0.5 * 0.05 * (1 + cos(pi / 3)).
            Assert.Contains("(num_epochs 3 -> 4)", note);
            Assert.Contains("epoch 2 runs at lr 0.04268 instead of 0.0375", note);
            Assert.Contains("--set num_epochs=3", note);
            Assert.Equal("2,0.0426777", string.Join(',', LogRows(run)[2].Split(',').Take(2)));

            // Resuming with the same settings says nothing of the kind.
            var same = Train(config, "--set", $"resume={run}", "--set", "num_epochs=4");
            Assert.True(same.Code == 0, same.Error);
            Assert.DoesNotContain("note: the learning-rate schedule", same.Output);
        }

        [Fact]
        public void AFinishedRunResumedIntoAnotherFolderMakesAWholeRunThere()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 1);
            var run = dir.Combine("runs", "tiny");
            Assert.Equal(0, Train(config).Code);
            var copy = dir.Combine("copy");
            var (code, output, error) = Train(config, "--set", $"resume={run}", "--out", copy);
            Assert.True(code == 0, error);
            Assert.Contains("nothing to train", output);
            foreach (var file in new[] { "results.json", "log.csv", "checkpoints/last.ckpt", "checkpoints/best.ckpt" })
                Assert.True(File.Exists(Path.Combine(copy, file)), file);
            var evaluate = AppRun.Run("evaluate", "--config", config, "--checkpoint", copy, "--device", "cpu");
            Assert.True(evaluate.Code == 0, evaluate.Error);
        }

        [Fact]
        public void ForceTogetherWithAResumeOfTheSameFolderIsACommandLineMistake()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 1);
            var run = dir.Combine("runs", "tiny");
            Assert.Equal(0, Train(config).Code);
            var (code, _, error) = Train(config, "--set", $"resume={run}", "--force");
            Assert.Equal(CliErrors.Usage, code);
            Assert.Contains("--force", error);
            Assert.Contains("drop --force to continue", error);
            Assert.Empty(Directory.GetDirectories(dir.Combine("runs"), "tiny.old-*"));
        }

        [Fact]
        public void OutputToAFileIsNeitherWrappedNorPaddedAndJsonNumbersAreRounded()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 1);
            // A folder name longer than the old 200-column page.
            var output = dir.Combine(new string('a', 120), new string('b', 120));
            var (code, text, error) = Train(config, "--out", output);
            Assert.True(code == 0, error);
            var lines = text.Split('\n');
            Assert.Contains(lines, l => l.Contains("output " + output, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("Results: " + output, StringComparison.Ordinal));
            Assert.All(lines, l => Assert.False(l.EndsWith(' '), $"padded: '{l}'"));
            Assert.DoesNotContain(lines, l => l.Contains("────────────────────────────────────────────────────────────────────────────────", StringComparison.Ordinal) && !l.Contains('┬') && !l.Contains('┼') && !l.Contains('┴'));
            Assert.Contains(lines, l => l.StartsWith("== tiny", StringComparison.Ordinal));

            var keys = AppRun.Run("configs", "--keys");
            var lossLine = Assert.Single(keys.Output.Split('\n'), l => l.TrimStart().StartsWith("loss ", StringComparison.Ordinal));
            Assert.Contains("label_aware_smoothing", lossLine);
            Assert.True(lossLine.Length > 200, "the line that used to wrap at column 200 stays whole");

            // Numbers in the files people read: rounded to 10 significant digits, no binary noise.
            foreach (var file in new[] { "results.json", "checkpoints/last.ckpt.json" })
            {
                var json = File.ReadAllText(Path.Combine(output, file));
                foreach (Match m in Regex.Matches(json, @"(?<![""\w])-?\d+\.\d+(?:[eE][-+]?\d+)?"))
                {
                    var digits = m.Value.TrimStart('-').Split('e', 'E')[0].Replace(".", "").TrimStart('0');
                    Assert.True(digits.Length <= Json.SignificantDigits, $"{file}: {m.Value}");
                }
                using var doc = JsonDocument.Parse(json); // still valid JSON
            }
            Assert.Equal("{\n  \"top1\": 83.85\n}", Json.Serialize(new { top1 = 100 * 0.8385 }).ReplaceLineEndings("\n"));
            Assert.Equal(100 * 0.8385, Json.Deserialize<CheckpointState>(Json.SerializeExact(new CheckpointState { BestTop1 = 100 * 0.8385 })).BestTop1);
        }

        [Fact]
        public void AResumeThatDoesNotFitBlamesSetResumeNotTheYamlFile()
        {
            using var dir = new TempDir();
            var config = TinyConfig(dir, epochs: 1);
            var run = dir.Combine("runs", "tiny");
            Assert.Equal(0, Train(config).Code);

            var loss = Train(config, "--set", $"resume={run}", "--set", "loss=focal", "--out", dir.Combine("other"));
            Assert.Equal(CliErrors.Failure, loss.Code);
            Assert.Single(loss.Error.TrimEnd().Split('\n'));
            Assert.StartsWith($"error: --set resume={run}: the checkpoint was written by a run with loss cross_entropy, not focal", loss.Error);
            Assert.DoesNotContain("tiny.yaml", loss.Error);

            var missing = dir.Combine("nowhere");
            var none = Train(config, "--set", $"resume={missing}", "--out", dir.Combine("other"));
            Assert.Equal(CliErrors.Failure, none.Code);
            Assert.StartsWith($"error: --set resume={missing}: no checkpoint at '{missing}'", none.Error);
            Assert.DoesNotContain("tiny.yaml", none.Error);
            Assert.False(Directory.Exists(dir.Combine("other")));
        }

        [Fact]
        public void SetLossOnAnArbConfigTrainsThatLoss()
        {
            using var dir = new TempDir();
            var data = Runs.TinyFashionMnist(dir);
            // The shipped ARB config says arbloss: true; the loss typed on the command line is the stronger key.
            var (code, _, error) = AppRun.Run("train", "--config", "fashion-mnist-lt/arb_batch", "--set", "loss=focal", "--set", $"data_path={data}",
                "--set", "num_epochs=1", "--set", "batch_size=64", "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots");
            Assert.True(code == 0, error);
            Assert.Equal("focal", Json.Deserialize<Arbloss.Samples.Reporting.RunResults>(File.ReadAllText(dir.Combine("out", "results.json"))).Loss);
        }
    }
}
