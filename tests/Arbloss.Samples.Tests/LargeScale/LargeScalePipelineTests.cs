using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Arbloss.Samples.IO;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using Xunit;
using Xunit.Abstractions;

namespace Arbloss.Samples.Tests.LargeScale
{
    /// <summary>One epoch end to end on CPU, through the command line and the shipped config, for each large-scale
    /// pipeline, on a tiny dataset in the real layout with 32 px crops (<c>--set image_size=32</c>).</summary>
    [Collection(TorchRngCollection.Name)]
    public class LargeScalePipelineTests
    {
        private readonly ITestOutputHelper _log;

        public LargeScalePipelineTests(ITestOutputHelper log) => _log = log;

        private static (int Code, string Output, string Error) Run(params string[] args) => AppRun.Run(args);

        [Theory]
        [InlineData("imagenet-lt", "imagenet-lt/resnet50_arb_global_mixup", 1000, "resnet50")]
        [InlineData("inaturalist2018", "inaturalist2018/resnet50_arb_global_mixup", 8142, "resnet50")]
        [InlineData("places-lt", "places-lt/resnet152_frozen_arb_global_mixup", 365, "resnet152")]
        public void OneEpochEndToEndOnATinyDatasetInTheRealLayout(string dataset, string config, int classes, string backbone)
        {
            using var dir = new TempDir();
            var (dataPath, imageRoot) = TinyImageLists.Write(dataset, dir.Combine("data"));
            var args = new[]
            {
                "train", "--config", config, "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots",
                "--set", $"data_path='{dataPath}'", "--set", $"image_root='{imageRoot}'", "--set", "image_size=32",
                "--set", "num_epochs=1", "--set", "batch_size=8", "--set", "accumulation_steps=2", "--set", "workers=2", "--set", "print_freq=1",
                // lr scaled to the tiny batch by the linear rule (0.1 x 8 / 1024): lr 0.1 on 8 images diverges from scratch.
                "--set", "lr=0.0008",
            }.ToList();
            if (dataset == "places-lt")
            {
                // The user's ImageNet weights, stood in for by a randomly initialised ResNet-152 saved in PyTorch's format.
                var weights = dir.Combine("resnet152.pth");
                using (var imagenet = ResNet.ResNet152(1000)) ResNetWeights.Save(imagenet, weights);
                args.AddRange(new[] { "--set", $"pretrained='{weights}'" });
            }
            var clock = Stopwatch.StartNew();
            var (code, output, error) = Run(args.ToArray());
            _log.WriteLine($"{dataset}: {clock.Elapsed.TotalSeconds:F1} s"); _log.WriteLine(output);
            Assert.True(code == 0, error + output);

            var results = Json.Deserialize<RunResults>(File.ReadAllText(dir.Combine("out", "results.json")));
            Assert.Equal(dataset, results.Dataset);
            Assert.Equal(backbone, results.Backbone);
            Assert.Equal("arb_global", results.Loss);
            Assert.Equal((1, 1, true), (results.Epochs, results.NumEpochs, results.Completed));
            Assert.Equal(classes, results.TrainClassCounts.Count);
            // Global counts from the training list, re-mapped by descending frequency; the other classes have none.
            Assert.Equal(TinyImageLists.SortedTrainCounts(), results.TrainClassCounts.Take(4));
            Assert.All(results.TrainClassCounts.Skip(4), c => Assert.Equal(0, c));
            Assert.Equal(4 * TinyImageLists.TestPerClass, results.TestClassCounts.Sum());
            // Top-1 is the test images' accuracy: recomputed from the per-class accuracies and test counts of the same results.
            double correct = Enumerable.Range(0, classes).Where(i => results.TestClassCounts[i] > 0)
                .Sum(i => results.PerClassAccuracy[i]!.Value / 100 * results.TestClassCounts[i]);
            Assert.Equal(100 * correct / results.TestClassCounts.Sum(), results.Top1, 6);
            Assert.True(results.Top5 >= results.Top1);
            Assert.True(double.IsFinite(results.Ece));
            // Shot groups by training count: every tiny class has fewer than 20 images.
            Assert.Empty(results.ShotGroups["many"]);
            Assert.Contains(0, results.ShotGroups["few"]);
            Assert.True(File.Exists(dir.Combine("out", "checkpoints", "last.ckpt")));
            var log = File.ReadAllLines(dir.Combine("out", "log.csv"));
            Assert.Equal(2, log.Length);
        }

        [Fact]
        public void MissingListFilesAreOneLineErrorsNamingDataPath()
        {
            using var dir = new TempDir();
            var (code, _, error) = Run("train", "--config", "imagenet-lt/resnet50_arb_global_mixup", "--device", "cpu", "--no-download",
                "--set", $"data_path='{dir.Path}'", "--out", dir.Combine("out"));
            Assert.Equal(1, code);
            Assert.Contains("ImageNet_LT_train.txt", error);
            Assert.Contains("data_path", error);
        }
    }
}
