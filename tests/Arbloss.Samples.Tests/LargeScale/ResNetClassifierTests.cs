using System;
using System.IO;
using System.Linq;
using Arbloss.Losses;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.LargeScale
{
    [Collection(TorchRngCollection.Name)]
    public class ResNetClassifierTests
    {
        private static readonly long[] Shape = { 3, 32, 32 };

        [Fact]
        public void FactoryBuildsResNet50AndResNet152ForTheConfigNames()
        {
            using var r50 = ModelFactory.Create("resnet50", new ModelSpec(7, Shape));
            Assert.IsType<ResNetClassifier>(r50);
            Assert.Equal((7, 2048), (r50.NumClasses, r50.FeatureDim));
            Assert.Equal(23_508_032L + 2048 * 7 + 7, r50.ParameterCount());
            Assert.Contains("resnet50", ModelFactory.Names);
            Assert.Contains("resnet152", ModelFactory.Names);
            Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet50", new ModelSpec(7, new long[] { 1, 28, 28 })));
        }

        [Fact]
        public void Bf16ForwardRunsOnTheCpuWithFloat32FeaturesLogitsAndLoss()
        {
            using var scope = NewDisposeScope();
            manual_seed(3);
            using var model = ModelFactory.Create("resnet50", new ModelSpec(5, Shape) { Bf16 = true });
            using var reference = ModelFactory.Create("resnet50", new ModelSpec(5, Shape));
            reference.load_state_dict(model.state_dict());
            var x = randn(4, 3, 32, 32);
            var y = tensor(new long[] { 0, 1, 2, 4 });
            model.train();
            var (features, logits) = model.ForwardWithFeatures(x);
            Assert.Equal(ScalarType.Float32, features.dtype);
            Assert.Equal(ScalarType.Float32, logits.dtype);
            using var arb = new ArbLoss(new long[] { 50, 20, 10, 5, 2 });
            var loss = arb.call(logits, y);
            Assert.Equal(ScalarType.Float32, loss.dtype);
            Assert.True(double.IsFinite(loss.item<float>()));
            loss.backward();
            var conv1 = model.named_parameters().First(p => p.name == "resnet.conv1.weight").parameter;
            Assert.Equal(ScalarType.Float32, conv1.dtype);
            Assert.NotNull(conv1.grad);
            Assert.Equal(ScalarType.Float32, conv1.grad!.dtype);
            Assert.True(conv1.grad.abs().sum().item<float>() > 0);
            Assert.True(conv1.grad.isfinite().all().item<bool>());

            // The reduced-precision path computes the same function: with float32 as its compute type it equals the
            // ordinary forward (every convolution, batch norm, shortcut and pooling is wired as in forward()) ...
            var r = (ResNetClassifier)reference;
            reference.eval();
            var z = randn(16, 3, 64, 64);
            var exact = r.Network.Features(z);
            var samePath = r.Network.Features(z, ScalarType.Float32);
            Assert.True(samePath.allclose(exact, rtol: 1e-5, atol: 1e-6));
            // ... and in bfloat16 it agrees to bfloat16 accuracy. A randomly initialised ResNet-50 (batch norms at their
            // initial statistics) amplifies rounding through its 16 blocks, hence the loose bound on the whole network.
            model.eval();
            var low = model.Features(z);
            Assert.False(low.allclose(exact, 0, 0)); // it really ran in reduced precision
            var cosine = nn.functional.cosine_similarity(low, exact, dim: 1).min().item<float>();
            Assert.True(cosine > 0.9f, $"cosine similarity {cosine}");
        }

        [Fact]
        public void FreezeBackboneLeavesOnlyTheLastBlockAndTheClassifierTrainable()
        {
            using var model = (ResNetClassifier)ModelFactory.Create("resnet50", new ModelSpec(5, Shape) { FreezeBackbone = true });
            Assert.True(model.IsBackboneFrozen);
            var names = model.TrainableParameterNames();
            Assert.NotEmpty(names);
            Assert.All(names, n => Assert.True(n.StartsWith("resnet.layer4.2.", StringComparison.Ordinal) || n.StartsWith("resnet.fc.", StringComparison.Ordinal), n));
            Assert.Contains("resnet.fc.weight", names);
            Assert.Equal(4_462_592L + 2048 * 5 + 5, model.TrainableParameterCount());
        }

        [Fact]
        public void PretrainedWeightsLoadWithoutTheClassifierAndAMissingFileIsAConfigError()
        {
            using var dir = new TempDir();
            var path = dir.Combine("imagenet.safetensors");
            using (var imagenet = ResNet.ResNet50(1000)) ResNetWeights.Save(imagenet, path);
            using var expected = ResNet.ResNet50(1000);
            ResNetWeights.Load(expected, path);
            var cfg = ConfigLoader.Parse($"dataset: imagenet-lt\npretrained: '{path}'\n", "p.yaml");
            using var model = (ResNetClassifier)Trainer.CreateModel(cfg, Shape);
            var loaded = model.Network.state_dict();
            var want = expected.state_dict();
            Assert.True(loaded["conv1.weight"].allclose(want["conv1.weight"], 0, 0));
            Assert.True(loaded["layer4.2.bn3.running_var"].allclose(want["layer4.2.bn3.running_var"], 0, 0));
            Assert.Equal(new long[] { 1000, 2048 }, loaded["fc.weight"].shape);

            var missing = cfg with { Pretrained = dir.Combine("none.pth") };
            var e = Assert.Throws<ConfigException>(() => Trainer.CreateModel(missing, Shape));
            Assert.Equal("pretrained", e.Key);
        }
    }
}
