using System.IO;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Cli
{
    [Collection(TorchRngCollection.Name)]
    public class CommandLineTests
    {
        private static (int Code, string Output, string Error) Run(params string[] args) => AppRun.Run(args);

        [Fact]
        public void ConfigsListsEveryShippedConfigOnOneLineEach()
        {
            var (code, output, _) = Run("configs");
            Assert.Equal(0, code);
            Assert.Contains("fashion-mnist-lt/arb_batch.yaml", output);
            Assert.Contains("cifar100-lt/imb0.1_arb_mixup.yaml", output);
            var keys = Run("configs", "--keys");
            Assert.Equal(0, keys.Code);
            foreach (var word in new[] { "arb_loss_use_global_class_cnt", "label_aware_smoothing", "class_aware", "cifar100" })
                Assert.Contains(word, keys.Output);
        }

        [Fact]
        public void BadConfigFailsWithOneLine()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.Combine("bad.yaml"), "dataset: cifar10\nlearning_rate: 0.1\n");
            var (code, _, error) = Run("train", "--config", dir.Combine("bad.yaml"));
            Assert.Equal(1, code);
            Assert.StartsWith("error: ", error);
            Assert.Contains("learning_rate", error);
            Assert.Single(error.TrimEnd().Split('\n'));
            var missing = Run("train", "--config", dir.Combine("none.yaml"));
            Assert.Equal(1, missing.Code);
            Assert.Contains("not found", missing.Error);
            var device = Run("train", "--config", "fashion-mnist-lt/arb_batch", "--device", "tpu");
            Assert.Equal(2, device.Code);
            Assert.Contains("--device tpu", device.Error);
        }

        [Fact]
        public void TrainAndEvaluateATinyRunFromTheCommandLine()
        {
            using var dir = new TempDir();
            var data = Runs.TinyFashionMnist(dir);
            var config = dir.Combine("tiny.yaml");
            File.WriteAllText(config, $"dataset: fashion-mnist\ndata_path: '{data}'\nnum_epochs: 1\nbatch_size: 64\nimb_factor: 0.1\nlr: 0.05\ncos: true\narbloss: true\n");
            var (code, output, error) = Run("train", "--config", config, "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots", "--set", "seed=3");
            Assert.True(code == 0, error);
            Assert.Contains("top-1", output);
            Assert.True(File.Exists(dir.Combine("out", "results.json")));
            var evaluation = Run("evaluate", "--config", config, "--checkpoint", dir.Combine("out"), "--device", "cpu", "--out", dir.Combine("eval"));
            Assert.True(evaluation.Code == 0, evaluation.Error);
            Assert.Contains("per-class accuracy", evaluation.Output);
            // Fashion-MNIST's class names, with the accuracies evaluation.json holds.
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.Combine("eval", "evaluation.json")));
            var perClass = json.RootElement.GetProperty("metrics").GetProperty("per_class_accuracy");
            Assert.Contains($"0 T-shirt/top: {perClass[0].GetDouble().ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", evaluation.Output);
            Assert.Contains($"9 Ankle boot: {perClass[9].GetDouble().ToString("F2", System.Globalization.CultureInfo.InvariantCulture)}", evaluation.Output);
        }
    }
}
