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
            foreach (var file in new[] { "comparison.md", "comparison.json", "comparison.png" })
                Assert.True(File.Exists(dir.Combine("runs", file)), file);
            var output = console.Output;
            foreach (var column in new[] { "top-1", "many", "medium", "few", "ECE", "time", "arb_global" }) Assert.Contains(column, output);
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
