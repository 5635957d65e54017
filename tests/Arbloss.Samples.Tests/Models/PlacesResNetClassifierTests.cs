using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    /// <summary>
    /// Builds the expensive things once: a Places-LT ResNet-50 network made by the factory with <c>not_pretrained</c>
    /// while TORCH_HOME points at an empty folder, and a torchvision-keyed ResNet-50 weights file (float16, with fc)
    /// in a second folder laid out as PyTorch's hub cache.
    /// </summary>
    public sealed class PlacesResNetFixture : IDisposable
    {
        public const int Classes = 5;
        public static readonly long[] Shape = { 3, 64, 64 };

        public PlacesResNetFixture()
        {
            EmptyTorchHome = new TempDir();
            HubTorchHome = new TempDir();
            var checkpoints = HubTorchHome.Combine("hub", "checkpoints");
            Directory.CreateDirectory(checkpoints);
            WeightsFile = Path.Combine(checkpoints, "resnet50-0676ba61.pth");

            using (new EnvironmentScope(("TORCH_HOME", EmptyTorchHome.Path)))
            {
                manual_seed(11);
                Model = (PlacesResNetClassifier)ModelFactory.Create("resnet50_fe",
                    new ModelSpec(Classes, Shape) { Dataset = "places", NotPretrained = true });
            }

            using var scope = NewDisposeScope();
            var generator = new Generator(5);
            var state = new Dictionary<string, Tensor>();
            foreach (var line in ResNetTorchvisionKeys.ResNet50)
            {
                var parts = line.Split(' ');
                var dims = parts.Skip(1).Select(long.Parse).ToArray();
                state[parts[0]] = dims.Length == 0
                    ? tensor(7L)
                    : (rand(dims, generator: generator) + 0.5).to_type(ScalarType.Float16);
            }
            PyTorchPickler.PickleStateDict(WeightsFile, state);
            // What the trunk must hold after loading: the file's values as float32.
            foreach (var key in ReferenceKeys)
                Reference[key] = state[key].to_type(ScalarType.Float32).DetachFromDisposeScope();
        }

        /// <summary>Keys compared after loading (a convolution, a running statistic of the last block, a middle block).</summary>
        public static readonly string[] ReferenceKeys = { "conv1.weight", "layer4.2.bn3.running_var", "layer3.5.conv2.weight" };

        public PlacesResNetClassifier Model { get; }

        public TempDir EmptyTorchHome { get; }

        public TempDir HubTorchHome { get; }

        public string WeightsFile { get; }

        public Dictionary<string, Tensor> Reference { get; } = new();

        public void Dispose()
        {
            Model.Dispose();
            foreach (var t in Reference.Values) t.Dispose();
            EmptyTorchHome.Dispose();
            HubTorchHome.Dispose();
        }
    }

    /// <summary>Sets environment variables (null removes one) and restores the previous values on dispose.</summary>
    internal sealed class EnvironmentScope : IDisposable
    {
        private readonly List<(string Name, string? Value)> _saved = new();

        public EnvironmentScope(params (string Name, string? Value)[] variables)
        {
            foreach (var (name, value) in variables)
            {
                _saved.Add((name, Environment.GetEnvironmentVariable(name)));
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in Enumerable.Reverse(_saved)) Environment.SetEnvironmentVariable(name, value);
        }
    }

    // Non-parallel: the tests set TORCH_HOME / XDG_CACHE_HOME / HOME and draw from the global generator.
    [Collection(TorchRngCollection.Name)]
    public class PlacesResNetClassifierTests : IClassFixture<PlacesResNetFixture>
    {
        private const int C = PlacesResNetFixture.Classes;
        private static readonly long[] Shape = PlacesResNetFixture.Shape;
        private const long BlockParameters = 4_462_592;   // Bottleneck(2048, 512): 1x1, 3x3, 1x1 convolutions and three batch norms
        private readonly PlacesResNetFixture _fixture;

        public PlacesResNetClassifierTests(PlacesResNetFixture fixture) => _fixture = fixture;

        private static ModelSpec Places(int classes = C) => new(classes, Shape) { Dataset = "places" };

        private static bool Same(Tensor a, Tensor b) => ResNetTestTensors.Identical(a, b);

        [Fact]
        public void FactoryBuildsTheAuthorsPlacesNetworkWithFeaturesOfWidth2048()
        {
            var model = _fixture.Model;
            Assert.Equal((C, 2048), (model.NumClasses, model.FeatureDim));
            Assert.Equal(new long[] { C, 2048 }, model.Head.weight.shape);
            Assert.False(model.Trunk.HasClassifier);
            Assert.Equal(new[] { 3, 4, 6, 3 }, model.Trunk.BlocksPerStage);
            Assert.Equal((2048L, 2048L, 1L, false), (model.Block.InPlanes, model.Block.OutPlanes, model.Block.Stride, model.Block.HasDownsample));
            Assert.Null(model.PretrainedFrom);
            Assert.False(model.Bf16);

            // The authors' three checkpoint parts, prefixed: model.* (torchvision keys, no fc), block.*, classifier.fc.*.
            var keys = model.state_dict().Keys.ToList();
            Assert.Contains("model.conv1.weight", keys);
            Assert.Contains("model.layer4.2.bn3.running_var", keys);
            Assert.Contains("block.conv2.weight", keys);
            Assert.Contains("block.bn3.running_mean", keys);
            Assert.Contains("classifier.fc.weight", keys);
            Assert.DoesNotContain(keys, k => k.StartsWith("model.fc.", StringComparison.Ordinal));
            Assert.All(keys, k => Assert.True(k.StartsWith("model.", StringComparison.Ordinal) || k.StartsWith("block.", StringComparison.Ordinal)
                || k.StartsWith("classifier.fc.", StringComparison.Ordinal), k));

            using var scope = NewDisposeScope();
            model.eval();
            using (no_grad())
            {
                var x = randn(2, 3, 64, 64);
                var (features, logits) = model.ForwardWithFeatures(x);
                Assert.Equal(new long[] { 2, 2048 }, features.shape);
                Assert.Equal(new long[] { 2, C }, logits.shape);
                Assert.Equal(ScalarType.Float32, features.dtype);
                Assert.True(model.call(x).allclose(logits));
                Assert.Equal(new long[] { 2, 2048, 2, 2 }, model.Trunk.FeatureMap(x).shape);
            }
            Assert.Throws<ArgumentException>(() => model.Features(randn(2, 1, 64, 64)));
        }

        [Fact]
        public void OnlyTheBlockAndTheClassifierRequireGradients()
        {
            var model = _fixture.Model;
            var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
            Assert.All(trainable, n => Assert.True(n.StartsWith("block.", StringComparison.Ordinal) || n.StartsWith("classifier.fc.", StringComparison.Ordinal), n));
            Assert.Contains("classifier.fc.weight", trainable);
            Assert.Contains("block.conv1.weight", trainable);
            Assert.All(model.Trunk.parameters(), p => Assert.False(p.requires_grad));
            long expected = BlockParameters + 2048 * C + C;
            Assert.Equal(expected, model.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
            Assert.Equal(expected, model.TrainableParameterCount());
            Assert.Equal(model.parameters().Count(p => p.requires_grad), model.TrainableParameters().Count());
            Assert.Equal(23_508_032L + expected, model.ParameterCount());
        }

        [Fact]
        public void TheTrunkStaysInEvaluationModeWhenTheNetworkTrains()
        {
            var model = _fixture.Model;
            model.train();
            Assert.True(model.training);
            Assert.False(model.Trunk.training);
            Assert.All(model.Trunk.modules(), m => Assert.False(m.training, m.GetName()));
            Assert.True(model.Block.training);
            Assert.All(model.Block.modules(), m => Assert.True(m.training, m.GetName()));
            Assert.True(model.Head.training);
            model.eval();
            Assert.All(model.modules(), m => Assert.False(m.training, m.GetName()));
            model.train();
            Assert.False(model.Trunk.training);
        }

        [Fact]
        public void AnSgdStepOverAllParametersMovesTheBlockAndTheClassifierButNotTheTrunk()
        {
            var model = _fixture.Model;
            using var scope = NewDisposeScope();
            var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            // As the Trainer builds it: SGD over every parameter, momentum and weight decay on.
            using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4);
            manual_seed(3);
            var x = randn(2, 3, 64, 64);
            var y = tensor(new long[] { 0, 3 });
            for (var step = 0; step < 2; step++)
            {
                model.train();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                Assert.All(model.Trunk.parameters(), p => Assert.Null(p.grad));
                Assert.NotNull(model.Head.weight.grad);
                optimizer.step();
            }
            var after = model.state_dict();
            foreach (var key in before.Keys.Where(k => k.StartsWith("model.", StringComparison.Ordinal)))
                Assert.True(Same(before[key], after[key]), $"{key} changed");   // weights, running statistics and counters
            foreach (var key in new[] { "block.conv1.weight", "block.conv3.weight", "block.bn1.weight", "block.bn3.running_mean",
                         "block.bn3.running_var", "classifier.fc.weight", "classifier.fc.bias" })
                Assert.False(Same(before[key], after[key]), $"{key} did not change");
            Assert.Equal(2L, after["block.bn1.num_batches_tracked"].item<long>() - before["block.bn1.num_batches_tracked"].item<long>());
        }

        [Fact]
        public void NotPretrainedLooksNothingUp()
        {
            using (new EnvironmentScope(("TORCH_HOME", _fixture.EmptyTorchHome.Path)))
            {
                // The fixture's model was built by the factory under this empty TORCH_HOME.
                Assert.Null(_fixture.Model.PretrainedFrom);
                Assert.Null(PlacesResNetClassifier.FindPretrainedWeights(50, Places() with { NotPretrained = true }));
                Assert.Empty(Directory.GetFileSystemEntries(_fixture.EmptyTorchHome.Path));
            }
            var both = Places() with { NotPretrained = true, PretrainedPath = "imagenet.pth" };
            var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet50_fe", both));
            Assert.Contains("not_pretrained", e.Message);
            Assert.Contains("pretrained: imagenet.pth", e.Message);
        }

        [Fact]
        public void MissingWeightsGiveOneLineNamingTheKeyThePathsAndNotPretrained()
        {
            using var env = new EnvironmentScope(("TORCH_HOME", _fixture.EmptyTorchHome.Path));
            var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => ModelFactory.Create("resnet50_fe", Places()));
            Assert.IsAssignableFrom<FileNotFoundException>(e);
            var checkpoints = Path.Combine(_fixture.EmptyTorchHome.Path, "hub", "checkpoints");
            var expected = new[] { Path.Combine(checkpoints, "resnet50-0676ba61.pth"), Path.Combine(checkpoints, "resnet50-19c8e357.pth") };
            Assert.Equal(expected, e.SearchedPaths);
            Assert.Equal(expected[0], e.FileName);
            Assert.Contains("'pretrained: FILE'", e.Message);
            Assert.Contains("'not_pretrained: true'", e.Message);
            Assert.All(expected, p => Assert.Contains(p, e.Message));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Equal(expected, PlacesResNetClassifier.HubCheckpointPaths(50));
        }

        [Fact]
        public void HubCacheFollowsPyTorchsRuleAndAcceptsTheOlderFileName()
        {
            using var dir = new TempDir();
            string Touch(params string[] parts)
            {
                var path = dir.Combine(parts);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "");
                return path;
            }
            var spec = Places();
            // $TORCH_HOME/hub/checkpoints, the older torchvision name too.
            var old = Touch("th", "hub", "checkpoints", "resnet50-19c8e357.pth");
            using (new EnvironmentScope(("TORCH_HOME", dir.Combine("th")), ("XDG_CACHE_HOME", dir.Combine("xdg"))))
            {
                Assert.Equal(dir.Combine("th", "hub"), TorchHub.HubDirectory());
                Assert.Equal(old, PlacesResNetClassifier.FindPretrainedWeights(50, spec));
                // The current IMAGENET1K_V1 name wins when both exist.
                var current = Touch("th", "hub", "checkpoints", "resnet50-0676ba61.pth");
                Assert.Equal(current, PlacesResNetClassifier.FindPretrainedWeights(50, spec));
                // An explicit file is taken as given, without a lookup.
                Assert.Equal("/elsewhere/w.pth", PlacesResNetClassifier.FindPretrainedWeights(50, spec with { PretrainedPath = "/elsewhere/w.pth" }));
            }
            // Without TORCH_HOME: $XDG_CACHE_HOME/torch.
            var xdg = Touch("xdg", "torch", "hub", "checkpoints", "resnet152-394f9c45.pth");
            using (new EnvironmentScope(("TORCH_HOME", null), ("XDG_CACHE_HOME", dir.Combine("xdg"))))
                Assert.Equal(xdg, PlacesResNetClassifier.FindPretrainedWeights(152, spec));
            // Without either: ~/.cache/torch.
            var home = Touch("home", ".cache", "torch", "hub", "checkpoints", "resnet101-5d3b4d8f.pth");
            using (new EnvironmentScope(("TORCH_HOME", null), ("XDG_CACHE_HOME", null), ("HOME", dir.Combine("home"))))
            {
                Assert.Equal(dir.Combine("home", ".cache", "torch"), TorchHub.TorchHome());
                Assert.Equal(home, PlacesResNetClassifier.FindPretrainedWeights(101, spec));
            }
            Assert.Throws<ArgumentException>(() => PlacesResNetClassifier.HubCheckpointPaths(34));
        }

        [Fact]
        public void WeightsFromTheHubCacheLandInTheTrunkAndFcIsIgnored()
        {
            using var env = new EnvironmentScope(("TORCH_HOME", _fixture.HubTorchHome.Path));
            using var model = (PlacesResNetClassifier)ModelFactory.Create("resnet50_fe", Places(7));
            Assert.Equal(_fixture.WeightsFile, model.PretrainedFrom);
            AssertTrunkHoldsTheFile(model);
            Assert.Equal(new long[] { 7, 2048 }, model.Head.weight.shape);   // the file's fc [1000, 2048] was not loaded
            Assert.All(model.Trunk.parameters(), p => Assert.False(p.requires_grad));
        }

        [Fact]
        public void AGivenPretrainedFileIsLoadedWithoutLookingInTheHubCache()
        {
            using var env = new EnvironmentScope(("TORCH_HOME", _fixture.EmptyTorchHome.Path));
            using var model = (PlacesResNetClassifier)ModelFactory.Create("resnet50_fe",
                new ModelSpec(C, Shape) { Dataset = "Places-LT", PretrainedPath = _fixture.WeightsFile });
            Assert.Equal(_fixture.WeightsFile, model.PretrainedFrom);
            AssertTrunkHoldsTheFile(model);
            var missing = Places() with { PretrainedPath = _fixture.EmptyTorchHome.Combine("none.pth") };
            var e = Assert.Throws<FileNotFoundException>(() => ModelFactory.Create("resnet50_fe", missing));
            Assert.IsNotType<PretrainedWeightsNotFoundException>(e);
        }

        private void AssertTrunkHoldsTheFile(PlacesResNetClassifier model)
        {
            var trunk = model.Trunk.state_dict();
            foreach (var key in PlacesResNetFixture.ReferenceKeys)
                Assert.True(Same(_fixture.Reference[key], trunk[key]), key);
            Assert.Equal(7L, trunk["layer2.1.bn2.num_batches_tracked"].item<long>());
        }

        [Fact]
        public void ResNet152TrunkIsTheAuthorsOneWithoutItsLastBlock()
        {
            // On the meta device: shapes only.
            using var model = new PlacesResNetClassifier(new ResNet(PlacesResNetClassifier.TrunkBlocks(152), 0, device: META), 365);
            Assert.Equal(new[] { 3, 8, 36, 2 }, model.Trunk.BlocksPerStage);
            Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("model.layer4.2.", StringComparison.Ordinal));
            Assert.Equal(BlockParameters + 2048 * 365 + 365, model.TrainableParameterCount());
            // ResNet-152 minus fc minus one layer4 block, plus the new block and classifier: as many as ResNet-152 with fc(365).
            Assert.Equal(60_192_808L - 2048 * 1000 - 1000 + 2048 * 365 + 365, model.ParameterCount());
            Assert.Throws<ArgumentException>(() => PlacesResNetClassifier.TrunkBlocks(18));
        }

        [Fact]
        public void LoadingCanSkipTheReplacedBlockAndTheClassifier()
        {
            using var dir = new TempDir();
            var path = dir.Combine("slim.safetensors");
            using (var full = new ResNet(new[] { 1, 1, 1, 2 }, 1000)) ResNetWeights.Save(full, path);
            using var trunk = new ResNet(new[] { 1, 1, 1, 1 }, 0);
            Assert.Throws<InvalidDataException>(() => ResNetWeights.Load(trunk, path, skipClassifier: true));
            var loaded = ResNetWeights.Load(trunk, path, k => k.StartsWith("fc.", StringComparison.Ordinal) || k.StartsWith("layer4.1.", StringComparison.Ordinal));
            Assert.Equal(trunk.state_dict().Count, loaded.Count);
            Assert.DoesNotContain(loaded, k => k.StartsWith("fc.", StringComparison.Ordinal) || k.StartsWith("layer4.1.", StringComparison.Ordinal));
        }

        [Fact]
        public void Bf16RunsTrunkAndBlockInBfloat16WithFloat32FeaturesAndGradientsOnlyInTheTrainableParts()
        {
            using var scope = NewDisposeScope();
            manual_seed(4);
            using var model = new PlacesResNetClassifier(new ResNet(new[] { 1, 1, 1, 1 }, 0), 3, bf16: true);
            using var reference = new PlacesResNetClassifier(new ResNet(new[] { 1, 1, 1, 1 }, 0), 3);
            reference.load_state_dict(model.state_dict());
            Assert.True(model.Bf16);
            model.train();
            var x = randn(4, 3, 64, 64);
            var (features, logits) = model.ForwardWithFeatures(x);
            Assert.Equal(ScalarType.Float32, features.dtype);
            Assert.Equal(ScalarType.Float32, logits.dtype);
            nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1, 2, 1 })).backward();
            Assert.All(model.Trunk.parameters(), p => Assert.Null(p.grad));
            var blockGrad = model.Block.parameters().First().grad;
            Assert.NotNull(blockGrad);
            Assert.Equal(ScalarType.Float32, blockGrad!.dtype);
            Assert.True(blockGrad.abs().sum().item<float>() > 0);
            model.eval();
            reference.eval();
            using (no_grad())
            {
                var low = model.Features(x);
                var exact = reference.Features(x);
                Assert.False(low.allclose(exact, 0, 0));
                Assert.True(nn.functional.cosine_similarity(low, exact, dim: 1).min().item<float>() > 0.95f);
            }
        }

        [Fact]
        public void TheTrunkMustBeAClassifierlessResNetOf2048Channels()
        {
            using var headed = new ResNet(new[] { 1, 1, 1, 1 }, 10, device: META);
            Assert.Throws<ArgumentException>(() => new PlacesResNetClassifier(headed, 3));
            using var headless = new ResNet(new[] { 1, 1, 1, 1 }, 0, device: META);
            Assert.Throws<ArgumentOutOfRangeException>(() => new PlacesResNetClassifier(headless, 1));
            Assert.Throws<InvalidOperationException>(() => headless.Classifier);
            Assert.Throws<InvalidOperationException>(() => headless.call(zeros(1, 3, 32, 32, device: META)));
            Assert.Equal(0, headless.NumClasses);
            Assert.Throws<ArgumentOutOfRangeException>(() => new ResNet(new[] { 1, 1, 1, 1 }, -1, device: META));
            headless.ReplaceClassifier(4);
            Assert.True(headless.HasClassifier);
            Assert.Equal(new long[] { 4, 2048 }, headless.Classifier.weight.shape);
            Assert.Contains("fc.weight", headless.state_dict().Keys);
        }

        [Fact]
        public void AuthorsFeatureExtractorNamesDependOnTheDataset()
        {
            Assert.Contains("resnet50_fe", ModelFactory.Names);
            Assert.Contains("resnet101_fe", ModelFactory.Names);
            Assert.Contains("resnet152_fe", ModelFactory.Names);
            Assert.Contains("resnet101", ModelFactory.Names);
            Assert.IsType<PlacesResNetClassifier>(_fixture.Model);
            // Outside Places-LT, the authors' resnet50_fe is a plain ResNet-50 trained from scratch (no hub lookup).
            using var env = new EnvironmentScope(("TORCH_HOME", _fixture.EmptyTorchHome.Path));
            using var imagenet = ModelFactory.Create("resnet50_fe", new ModelSpec(C, Shape) { Dataset = "imagenet-lt" });
            Assert.IsType<ResNetClassifier>(imagenet);
            Assert.Equal(23_508_032L + 2048 * C + C, imagenet.ParameterCount());
        }

        [Fact]
        public void TheAuthorsNamesThatAreNotBuiltHereFailWithAClearMessage()
        {
            Assert.Contains("resnet10_fe", ModelFactory.UnsupportedAuthorNames);
            Assert.Contains("resnext50_32x4d", ModelFactory.UnsupportedAuthorNames);
            Assert.Empty(ModelFactory.UnsupportedAuthorNames.Intersect(ModelFactory.Names));
            var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnext50_32x4d", Places()));
            Assert.StartsWith("the authors' backbone resnext50_32x4d (ResNeXt-50 32x4d (grouped convolutions)) is not built here; use resnet50_fe", e.Message);
            Assert.Null(ModelFactory.UnsupportedAuthorNameMessage("resnet50_fe"));
            Assert.Null(ModelFactory.UnsupportedAuthorNameMessage(null));
            Assert.Contains("Unknown backbone 'nope'", Assert.Throws<ArgumentException>(() => ModelFactory.Create("nope", Places())).Message);
        }

        [Theory]
        [InlineData("places", true)]
        [InlineData("places-lt", true)]
        [InlineData("Places_LT", true)]
        [InlineData(" PLACES LT ", true)]
        [InlineData("imagenet-lt", false)]
        [InlineData("places365", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void DatasetNamesPlacesLT(string? dataset, bool places) =>
            Assert.Equal(places, new ModelSpec(C, Shape) { Dataset = dataset }.IsPlaces);
    }
}
