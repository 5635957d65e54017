using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Cli;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Cli
{
    /// <summary>
    /// The README's rule, case by case: 2 when the mistake is in what was typed (an unknown command, option or key, a
    /// malformed or out-of-range value of an option, of --set or of a trailing pair, contradicting options); 1 when the
    /// command line is well-formed but what it names is missing or does not fit. Each failure is one line on standard
    /// error, "error: ...", without .NET's internals, naming the option or key at fault.
    /// </summary>
    [Collection(TorchRngCollection.Name)]
    public class ExitCodeTests
    {
        private const string Config = "fashion-mnist-lt/arb_batch";

        private static void AssertOneLine(string error, int code, int expected, params string[] contains)
        {
            Assert.True(code == expected, $"exit {code}, expected {expected}: {error}");
            Assert.StartsWith("error: ", error);
            Assert.Single(error.TrimEnd().Split('\n'));
            foreach (var text in contains) Assert.Contains(text, error);
            foreach (var internals in new[] { "(Parameter '", "System.", "Nullable", "`1", ".;", "Exception" }) Assert.DoesNotContain(internals, error);
        }

        [Theory]
        [InlineData(new[] { "train", "--config", Config, "--device", "gpu" }, "--device gpu", "auto, cpu, cuda or cuda:N")]
        [InlineData(new[] { "train", "--config", Config, "--device", "cuda:x" }, "--device cuda:x", "cuda:N")]
        [InlineData(new[] { "train", "--config", Config, "--threads", "0" }, "--threads 0", "at least 1")]
        [InlineData(new[] { "train", "--config", Config, "--threads", "abc" }, "--threads abc", "whole number")]
        [InlineData(new[] { "--threads", "-3" }, "--threads -3", "at least 1")]
        [InlineData(new[] { "evaluate", "--config", Config, "--checkpoint", "x", "--device", "gpu" }, "--device gpu")]
        [InlineData(new[] { "train", "--config", Config, "--set", "lr" }, "--set lr", "KEY=VALUE")]
        [InlineData(new[] { "--set", "lr" }, "--set lr", "KEY=VALUE")]
        [InlineData(new[] { "train", "--config", Config, "lr" }, "'lr' has no value")]
        [InlineData(new[] { "train", "--config", Config, "--delete-old" }, "--delete-old goes with --force")]
        [InlineData(new[] { "--resume", "--force" }, "--resume", "--force")]
        [InlineData(new[] { "trian" }, "unknown command 'trian'", "Did you mean 'train'?")]
        [InlineData(new[] { "train", "--confg", "x.yaml" }, "unknown option '--confg'", "Did you mean '--config'?")]
        [InlineData(new[] { "--confg", "x.yaml" }, "unknown option '--confg'", "Did you mean 'train --config'?")]
        [InlineData(new[] { "evaluate", "--config", Config, "--chekpoint", "x" }, "unknown option '--chekpoint'", "Did you mean '--checkpoint'?")]
        [InlineData(new[] { "--seeed", "3" }, "unknown option '--seeed'", "Did you mean '--seed'?")]
        [InlineData(new[] { "train" }, "--config")]
        public void ParseMistakesExitWith2AndNameTheOption(string[] args, params string[] contains)
        {
            var (code, _, error) = AppRun.Run(args);
            AssertOneLine(error, code, CliErrors.Usage, contains);
            Assert.Contains("--help", error);
        }

        [Theory]
        [InlineData("NUM_EPOCHS=3", "--set NUM_EPOCHS=3: unknown key 'NUM_EPOCHS'", "Did you mean 'num_epochs'?")]
        [InlineData("num_epoch=3", "unknown key 'num_epoch'", "Did you mean 'num_epochs'?")]
        [InlineData("las=true", "Did you mean 'LAS'?")]
        [InlineData("lr=abc", "--set lr=abc: expected a number, got 'abc'")]
        [InlineData("num_epochs=0", "--set num_epochs=0: 0 is out of range")]
        [InlineData("loss=hinge", "--set loss=hinge: 'hinge' is not one of")]
        [InlineData("lr=[1", "--set lr=[1")]
        public void SetMistakesExitWith2AndNameSetNotTheFile(string set, params string[] contains)
        {
            var (code, _, error) = AppRun.Run("train", "--config", Config, "--set", set);
            AssertOneLine(error, code, CliErrors.Usage, contains);
            Assert.DoesNotContain("arb_batch.yaml", error);
            // The key once, not "--set lr: 'lr': ...".
            var key = set.Split('=')[0];
            Assert.DoesNotContain($": '{key}':", error);
        }

        [Fact]
        public void TrailingPairMistakesAreSetMistakes()
        {
            var (code, _, error) = AppRun.Run("train", "--cfg", Config, "NUM_EPOCHS", "3");
            AssertOneLine(error, code, CliErrors.Usage, "NUM_EPOCHS", "Did you mean 'num_epochs'?");
            var value = AppRun.Run("train", "--cfg", Config, "num_epochs", "many");
            AssertOneLine(value.Error, value.Code, CliErrors.Usage, "num_epochs=many", "whole number");
        }

        [Fact]
        public void TheMainJobRefusesSetResumeAndNamesResume()
        {
            var (code, _, error) = AppRun.Run("--set", "resume=runs/fashion-mnist-lt-cross_entropy");
            AssertOneLine(error, code, CliErrors.Usage, "--set resume=", "all three runs", "--resume");
        }

        [Fact]
        public void CudaNotAvailableIsAFailureWithoutParameterNoise()
        {
            if (TorchSharp.torch.cuda.is_available()) return; // a CUDA machine has it
            var (code, _, error) = AppRun.Run("train", "--config", Config, "--device", "cuda");
            AssertOneLine(error, code, CliErrors.Failure, "--device cuda: CUDA is not available", "--device cpu");
        }

        [Fact]
        public void AMissingConfigIsAFailureWithADidYouMean()
        {
            var typo = AppRun.Run("train", "--config", "fashion-mnist-lt/arb_bach");
            AssertOneLine(typo.Error, typo.Code, CliErrors.Failure, "--config fashion-mnist-lt/arb_bach", "not found", "Did you mean 'fashion-mnist-lt/arb_batch'?");
            var bare = AppRun.Run("train", "--config", "arb_global");
            AssertOneLine(bare.Error, bare.Code, CliErrors.Failure, "'fashion-mnist-lt/arb_global'", "'synthetic-lt/arb_global'");
            var file = AppRun.Run("evaluate", "--config", "/no/such/file.yaml", "--checkpoint", "x");
            AssertOneLine(file.Error, file.Code, CliErrors.Failure, "/no/such/file.yaml", "not found");
        }

        [Fact]
        public void AConfigFileMistakeIsAFailureNamingTheFile()
        {
            using var dir = new TempDir();
            var config = dir.Combine("bad.yaml");
            File.WriteAllText(config, "dataset: fashion-mnist\nlr: fast\n");
            var (code, _, error) = AppRun.Run("train", "--config", config);
            AssertOneLine(error, code, CliErrors.Failure, "bad.yaml: line 2: 'lr': expected a number, got 'fast'");
        }

        [Fact]
        public void AnExplicitDataFolderThatDoesNotExistIsAFailureNamingIt()
        {
            using var dir = new TempDir();
            var missing = dir.Combine("no-such-folder");
            var set = AppRun.Run("train", "--config", Config, "--set", $"data_path={missing}", "--out", dir.Combine("out"), "--no-download");
            AssertOneLine(set.Error, set.Code, CliErrors.Failure, $"--set data_path={missing}", "does not exist");
            Assert.False(Directory.Exists(dir.Combine("out")));

            var file = dir.Combine("tiny.yaml");
            File.WriteAllText(file, $"dataset: fashion-mnist\ndata_path: '{missing}'\n");
            var yaml = AppRun.Run("train", "--config", file, "--out", dir.Combine("out"), "--no-download");
            AssertOneLine(yaml.Error, yaml.Code, CliErrors.Failure, "tiny.yaml: line 2: 'data_path'", "does not exist");

            // The main job: no fallback to Debian's copy or to the synthetic benchmark.
            var main = AppRun.Run("--data", missing, "--out", dir.Combine("runs"), "--no-download");
            AssertOneLine(main.Error, main.Code, CliErrors.Failure, $"--data {missing}", "does not exist");
            Assert.DoesNotContain("synthetic", main.Output + main.Error);
            Assert.False(Directory.Exists(dir.Combine("runs")));
        }

        [Fact]
        public void OutPointingAtAFileIsAFailureNamingOut()
        {
            using var dir = new TempDir();
            var data = Runs.TinyFashionMnist(dir);
            var file = dir.Combine("a-file");
            File.WriteAllText(file, "not a folder");
            var train = AppRun.Run("train", "--config", Config, "--set", $"data_path={data}", "--out", file, "--no-download");
            AssertOneLine(train.Error, train.Code, CliErrors.Failure, $"--out {file}: is a file");
            var below = AppRun.Run("train", "--config", Config, "--set", $"data_path={data}", "--out", Path.Combine(file, "sub"), "--no-download");
            AssertOneLine(below.Error, below.Code, CliErrors.Failure, "--out", "is a file");
            var evaluate = AppRun.Run("evaluate", "--config", Config, "--checkpoint", dir.Path, "--out", file);
            AssertOneLine(evaluate.Error, evaluate.Code, CliErrors.Failure, $"--out {file}: is a file");
            Assert.Equal("not a folder", File.ReadAllText(file));
        }

        [Fact]
        public void EvaluateOnAFolderWithoutACheckpointSaysWhereItLooked()
        {
            using var dir = new TempDir();
            var (code, _, error) = AppRun.Run("evaluate", "--config", Config, "--checkpoint", dir.Path);
            AssertOneLine(error, code, CliErrors.Failure, $"--checkpoint {dir.Path}: the folder holds no checkpoint", "checkpoints/last.ckpt");
        }

        [Fact]
        public void OfflineCifarNamesSetDataPath()
        {
            using var dir = new TempDir();
            var (code, _, error) = AppRun.Run(new AppEnvironment { CacheRoot = dir.Combine("cache") },
                "train", "--config", "cifar10-lt/imb0.01_arb_batch", "--no-download", "--out", dir.Combine("out"));
            AssertOneLine(error, code, CliErrors.Failure, "--set data_path=DIR", "downloads are off");
            Assert.DoesNotContain("put it in data_path", error);
        }

        [Fact]
        public void SeveralParseErrorsJoinWithoutStrayPunctuation()
        {
            var (code, _, error) = AppRun.Run("train", "--threads", "abc", "--device", "gpu", "--config", Config);
            AssertOneLine(error, code, CliErrors.Usage, "--threads abc", "--device gpu");
            Assert.Contains("; ", error);
        }
    }
}
