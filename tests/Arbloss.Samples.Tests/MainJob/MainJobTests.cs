using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Arbloss.Samples.MainJob;
using Arbloss.Samples.Tests.Support;
using Spectre.Console;
using Xunit;

namespace Arbloss.Samples.Tests.MainJob
{
    [Collection(TorchRngCollection.Name)]
    public class MainJobTests
    {
        private static (MainJobRunner Runner, CapturedConsole Console, StringWriter Error) Runner(MainJobOptions options)
        {
            var console = new CapturedConsole();
            var error = new StringWriter();
            return (new MainJobRunner(options, console.Console, error), console, error);
        }

        [Fact]
        public void WritesThreeRunsWithTheNamesOutsideChecksRelyOn()
        {
            using var dir = new TempDir();
            var data = Runs.TinyFashionMnist(dir);
            var (runner, console, error) = Runner(new MainJobOptions
            {
                OutputDir = dir.Combine("runs"), DataDir = data, SystemDataFolders = Array.Empty<string>(), AllowDownload = false,
                CacheRoot = dir.Combine("cache"), Device = "cpu", Overrides = new[] { "num_epochs=1", "batch_size=64" }, WritePlots = false,
            });
            var results = runner.Run();
            Assert.False(runner.UsedSynthetic);
            Assert.Equal("", error.ToString());
            Assert.Equal(new[] { "cross_entropy", "arb_batch", "arb_global" }, results.Select(r => r.Loss));
            var folders = Directory.GetDirectories(dir.Combine("runs"));
            Assert.Equal(3, folders.Length);
            foreach (var folder in folders)
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
                Assert.Equal("fashion-mnist-lt", json.RootElement.GetProperty("dataset").GetString());
                Assert.Contains(json.RootElement.GetProperty("loss").GetString(), new[] { "cross_entropy", "arb_batch", "arb_global" });
            }
            foreach (var file in new[] { "comparison.md", "comparison.json", "comparison.png", "comparison_gradient_balance.png",
                         "comparison_per_class.png", "comparison_epochs.png", "comparison_reliability.png" })
                Assert.True(File.Exists(dir.Combine("runs", file)), file);
            var output = console.Output;
            foreach (var column in new[] { "top-1", "many", "medium", "few", "ECE", "time", "arb_global" }) Assert.Contains(column, output);
        }

        [Fact]
        public void TheComparisonTellsTheGradientBalanceStoryFromTheRunsOwnNumbers()
        {
            using var dir = new TempDir();
            var data = Runs.TinyFashionMnist(dir);
            var (runner, _, _) = Runner(new MainJobOptions
            {
                OutputDir = dir.Combine("runs"), DataDir = data, SystemDataFolders = Array.Empty<string>(), AllowDownload = false,
                CacheRoot = dir.Combine("cache"), Device = "cpu", WritePlots = false,
                // 30 images per class, cut to 30 ... 3 so that the tail classes have training samples.
                Overrides = new[] { "num_epochs=2", "batch_size=64", "imb_factor=0.1" },
            });
            var results = runner.Run();
            Assert.False(runner.FellBack);
            var tail = new[] { 7, 8, 9 };
            var md = File.ReadAllText(dir.Combine("runs", "comparison.md"));
            using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("runs", "comparison.json")));
            Assert.False(json.RootElement.GetProperty("synthetic_fallback").GetBoolean());
            var runsJson = json.RootElement.GetProperty("runs");
            Assert.Equal(3, runsJson.GetArrayLength());
            for (int k = 0; k < 3; k++)
            {
                // Independently of the report: the ratio from the run's own gradient_balance.json (epoch means).
                var balance = JsonDocument.Parse(File.ReadAllText(dir.Combine("runs", results[k].Name, "gradient_balance.json"))).RootElement;
                Assert.Equal(2, balance.GetArrayLength());
                foreach (var (epochIndex, property) in new[] { (0, "tail_repulsion_over_attraction_first_epoch"), (1, "tail_repulsion_over_attraction_last_epoch") })
                {
                    var epoch = balance[epochIndex];
                    double expected = tail.Average(i => epoch.GetProperty("repulsion")[i].GetDouble() / epoch.GetProperty("attraction")[i].GetDouble());
                    Assert.Equal(expected, runsJson[k].GetProperty(property).GetDouble(), 9);
                    Assert.Contains($"{results[k].Loss} {expected.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", md);
                }
                // Every number the plots show: per-class accuracy, training counts, the ratio of every epoch, the epochs' accuracy.
                Assert.Equal(10, runsJson[k].GetProperty("per_class_accuracy").GetArrayLength());
                Assert.Equal(2, runsJson[k].GetProperty("repulsion_over_attraction_by_epoch").GetArrayLength());
                Assert.Equal(2, runsJson[k].GetProperty("history").GetArrayLength());
                Assert.Equal(results[k].Top1, runsJson[k].GetProperty("top1").GetDouble(), 9);
            }
            // The per-class table names Fashion-MNIST's classes with their training counts and groups.
            Assert.Contains("| 0 | T-shirt/top |", md);
            Assert.Contains("| 9 | Ankle boot |", md);
            Assert.Contains("| few |", md);
            double gain = results[1].Top1 - results[0].Top1;
            Assert.Contains($"arb_batch against cross_entropy: top-1 {(gain >= 0 ? "+" : "")}{gain.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} points", md);
        }

        [Fact]
        public void WithoutDataItSaysSoInOneLineAndRunsTheSyntheticBenchmark()
        {
            using var dir = new TempDir();
            var (runner, console, error) = Runner(new MainJobOptions
            {
                OutputDir = dir.Combine("runs"), SystemDataFolders = new[] { dir.Combine("no-system-copy") }, AllowDownload = false,
                CacheRoot = dir.Combine("cache"), Device = "cpu", Overrides = new[] { "num_epochs=2" }, WritePlots = false,
            });
            var results = runner.Run();
            Assert.True(runner.UsedSynthetic);
            Assert.True(runner.FellBack);
            // Unmistakable: the comparison says so in its title and its JSON.
            using (var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("runs", "comparison.json"))))
            {
                Assert.True(json.RootElement.GetProperty("synthetic_fallback").GetBoolean());
                Assert.StartsWith("SYNTHETIC FALLBACK", json.RootElement.GetProperty("title").GetString());
            }
            Assert.StartsWith("# SYNTHETIC FALLBACK", File.ReadAllText(dir.Combine("runs", "comparison.md")));
            Assert.Contains("SYNTHETIC FALLBACK", console.Output);
            Assert.Equal(3, MainJobRunner.SyntheticFallbackExitCode);
            var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains("looked in", lines[0]);
            Assert.Contains(dir.Combine("no-system-copy"), lines[0]);
            Assert.Contains("dataset-fashion-mnist", lines[0]);
            Assert.Contains("--data", lines[0]);
            Assert.Contains("synthetic", lines[0]);
            Assert.All(results, r => Assert.Equal("synthetic-lt", r.Dataset));
            Assert.Equal(new[] { "cross_entropy", "arb_batch", "arb_global" }, results.Select(r => r.Loss));
            Assert.Contains("synthetic-lt", console.Output);
        }

        [Theory]
        [InlineData(false, 3)]
        [InlineData(true, 0)]
        public void TheCommandLineExitsThreeWhenItFellBackToTheSyntheticBenchmark(bool askedForSynthetic, int expected)
        {
            using var dir = new TempDir();
            var console = new CapturedConsole();
            var error = new StringWriter();
            var args = new System.Collections.Generic.List<string> { "--out", dir.Combine("runs"), "--no-download", "--no-plots", "--device", "cpu", "--set", "num_epochs=1" };
            if (askedForSynthetic) args.Add("--synthetic");
            int code = Arbloss.Samples.Cli.AppCommands.Run(args, console.Console, error, new Arbloss.Samples.Cli.AppEnvironment
            {
                FashionMnistFolders = new[] { dir.Combine("no-system-copy") }, CacheRoot = dir.Combine("cache"),
            });
            Assert.True(code == expected, $"exit {code}: {error}");
            using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("runs", "comparison.json")));
            Assert.Equal(!askedForSynthetic, json.RootElement.GetProperty("synthetic_fallback").GetBoolean());
        }

        [Fact]
        public void SyntheticBenchmarkIsDeterministic()
        {
            using var dir = new TempDir();
            MainJobOptions Options(string output) => new()
            {
                OutputDir = dir.Combine(output), ForceSynthetic = true, Device = "cpu", Overrides = new[] { "num_epochs=1" }, WritePlots = false, AllowDownload = false,
            };
            var first = Runner(Options("a")).Runner.Run();
            var second = Runner(Options("b")).Runner.Run();
            Assert.Equal(first.Select(r => r.Top1), second.Select(r => r.Top1));
            Assert.Equal(first.Select(r => r.Ece), second.Select(r => r.Ece));
        }
    }
}
