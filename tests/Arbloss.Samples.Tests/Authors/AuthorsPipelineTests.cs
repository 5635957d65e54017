using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.IO;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Tests.LargeScale;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using Xunit;
using Xunit.Abstractions;

namespace Arbloss.Samples.Tests.Authors
{
    /// <summary>The authors' large-scale config files, unchanged, run end to end through the command line as their
    /// <c>train_stage1.py --cfg FILE KEY VALUE ...</c> runs: tiny data in their layout (list files and images in
    /// data_path), smoke-run overrides as trailing key-value pairs.</summary>
    [Collection(EnvironmentCollection.Name)]
    public class AuthorsPipelineTests
    {
        private readonly ITestOutputHelper _log;

        public AuthorsPipelineTests(ITestOutputHelper log) => _log = log;

        private static (int Code, string Output, string Error) Run(params string[] args) => AppRun.Run(args);

        [Theory]
        [InlineData("imagenet/imagenet_resnet50_arbloss_ugcc_mixup.yaml", "imagenet-lt", 1000, "arb_global")]
        [InlineData("ina2018/ina2018_resnet50.yaml", "inaturalist2018", 8142, "cross_entropy")]
        [InlineData("places/places_resnet50_arbloss_ugcc_mixup.yaml", "places-lt", 365, "arb_global")]
        public void TheirLargeScaleFileTrainsOneEpochOnTheirLayout(string file, string dataset, int classes, string loss)
        {
            using var dir = new TempDir();
            var dataPath = dir.Combine("data");
            TinyImageLists.Write(dataset, dataPath, authorsLayout: true);
            string? torchHome = null;
            if (dataset == "places-lt")
            {
                // A PyTorch user's hub cache holding torchvision's ResNet-50 file (random weights stand in for ImageNet's).
                torchHome = dir.Combine("torch");
                var checkpoints = Path.Combine(torchHome, "hub", "checkpoints");
                Directory.CreateDirectory(checkpoints);
                using var imagenet = ResNet.ResNet50(1000);
                ResNetWeights.Save(imagenet, Path.Combine(checkpoints, "resnet50-0676ba61.pth"));
            }
            var previous = Environment.GetEnvironmentVariable("TORCH_HOME");
            Environment.SetEnvironmentVariable("TORCH_HOME", torchHome ?? dir.Combine("no-torch-home"));
            try
            {
                var (code, output, error) = Run(
                    "train", "--cfg", AuthorsConfigs.PathOf(file), "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots",
                    // The authors' KEY VALUE pairs: a smoke run at a tiny size (lr scaled to the batch by the linear rule).
                    "num_epochs", "1", "batch_size", "8", "data_path", dataPath, "image_size", "32", "workers", "2", "lr", "0.0008");
                _log.WriteLine(output);
                Assert.True(code == 0, error + output);
                Assert.Contains("have no effect here", output);
                var results = Json.Deserialize<RunResults>(File.ReadAllText(dir.Combine("out", "results.json")));
                Assert.Equal((dataset, "resnet50_fe", loss), (results.Dataset, results.Backbone, results.Loss));
                Assert.Equal((1, true), (results.Epochs, results.Completed));
                Assert.Equal(classes, results.TrainClassCounts.Count);
                // Classes re-mapped by descending training count, as their LT_Dataset does; the other classes have none.
                Assert.Equal(TinyImageLists.SortedTrainCounts(), results.TrainClassCounts.Take(4));
                Assert.All(results.TrainClassCounts.Skip(4), c => Assert.Equal(0, c));
                Assert.Equal(4 * TinyImageLists.TestPerClass, results.TestClassCounts.Sum());
                // Their class ranges (head_class_idx ...) name classes without test images: those means are null, not a crash.
                Assert.NotNull(results.Many);
                Assert.Null(results.Few);
                Assert.All(results.PerClassAccuracy.Take(4), a => Assert.NotNull(a));
                Assert.All(results.PerClassAccuracy.Skip(4), a => Assert.Null(a));
                Assert.Contains("null", File.ReadAllText(dir.Combine("out", "results.json")));
                Assert.DoesNotContain("NaN", File.ReadAllText(dir.Combine("out", "results.json")));
                Assert.True(File.Exists(dir.Combine("out", "ckps", "last.ckpt")), "checkpoints go to model_dir 'ckps'");
            }
            finally
            {
                Environment.SetEnvironmentVariable("TORCH_HOME", previous);
            }
        }

        [Theory]
        [InlineData("cifar10/cifar10_imb01_arbloss_mixup.yaml", false, "arb_batch")]
        [InlineData("cifar100/cifar100_imb01.yaml", true, "cross_entropy")]
        public void TheirCifarFileTrainsOneEpochOnTorchvisionsPythonLayout(string file, bool hundred, string loss)
        {
            using var dir = new TempDir();
            int classes = hundred ? 100 : 10;
            // torchvision's folder in data_path, 10 training images per class (labels i % classes), 2 test images per class.
            var dataPath = dir.Combine("data");
            Arbloss.Samples.Tests.Data.CifarPickles.WriteFolder(Path.Combine(dataPath, hundred ? "cifar-100-python" : "cifar-10-batches-py"),
                Arbloss.Samples.Tests.Data.CifarPickles.Files(hundred, trainPerFile: hundred ? 10 * classes : 2 * classes, test: 2 * classes));
            var (code, output, error) = Run(
                "train", "--cfg", AuthorsConfigs.PathOf(file), "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots",
                "num_epochs", "1", "batch_size", "16", "data_path", dataPath, "workers", "2");
            _log.WriteLine(output);
            Assert.True(code == 0, error + output);
            var results = Json.Deserialize<RunResults>(File.ReadAllText(dir.Combine("out", "results.json")));
            Assert.Equal((hundred ? "cifar100-lt" : "cifar10-lt", "resnet32_fe", loss), (results.Dataset, results.Backbone, results.Loss));
            // Their profile: int(10 * 0.1^(c / (C - 1))) images of class c.
            var expected = Enumerable.Range(0, classes).Select(c => (long)(10 * Math.Pow(0.1, c / (double)(classes - 1)))).ToArray();
            Assert.Equal(expected, results.TrainClassCounts);
            Assert.Equal(2 * classes, results.TestClassCounts.Sum());
            Assert.Equal((1, true), (results.Epochs, results.Completed));
        }

        [Fact]
        public void WithoutListsInDataPathTheirHardCodedFoldersAreRead()
        {
            // Their iNaturalist and Places-LT loaders read the lists from ./data/iNaturelist2018/ (sic) and
            // ./data/Places/Places-LT/ relative to the working directory, whatever data_path says.
            using var dir = new TempDir();
            var previous = Directory.GetCurrentDirectory();
            try
            {
                Directory.SetCurrentDirectory(dir.Path);
                foreach (var (provider, folder, list) in new[]
                {
                    (Arbloss.Samples.Data.ImageListProvider.INaturalist2018, "data/iNaturelist2018", "iNaturalist18"),
                    (Arbloss.Samples.Data.ImageListProvider.PlacesLT, "data/Places/Places-LT", "Places_LT"),
                })
                {
                    var images = dir.Combine("images-" + list);
                    Directory.CreateDirectory(images);
                    Assert.Throws<Arbloss.Samples.Data.DatasetUnavailableException>(() => provider.ListFolder(images));
                    Directory.CreateDirectory(dir.Combine(folder));
                    File.WriteAllText(dir.Combine(folder, provider.Spec.TrainList), "");
                    File.WriteAllText(dir.Combine(folder, provider.Spec.TestList), "");
                    Assert.Equal(Path.GetFullPath(dir.Combine(folder)), Path.GetFullPath(provider.ListFolder(images)));
                    // Lists in data_path win.
                    File.WriteAllText(Path.Combine(images, provider.Spec.TrainList), "");
                    File.WriteAllText(Path.Combine(images, provider.Spec.TestList), "");
                    Assert.Equal(images, provider.ListFolder(images));
                }
                var e = Assert.Throws<Arbloss.Samples.Data.DatasetUnavailableException>(() => Arbloss.Samples.Data.ImageListProvider.ImageNetLT.ListFolder(dir.Combine("nowhere")));
                Assert.Contains("--set data_path=DIR", e.Message);
            }
            finally
            {
                Directory.SetCurrentDirectory(previous);
            }
        }

        [Fact]
        public void AnOddTrailingPairIsACommandLineMistakeNamingTheToken()
        {
            var (code, _, error) = Run("train", "--cfg", AuthorsConfigs.PathOf("cifar10/cifar10_imb001.yaml"), "num_epochs", "1", "lr");
            Assert.NotEqual(0, code);
            Assert.Contains("'lr' has no value", error);
        }
    }

    /// <summary>Tests that set process-wide environment variables (TORCH_HOME) run one at a time.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class EnvironmentCollection
    {
        public const string Name = "process environment";
    }
}
