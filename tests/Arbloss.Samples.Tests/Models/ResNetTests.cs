using System;
using System.Linq;
using Arbloss.Samples.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    public class ResNetTests
    {
        private static long Count(nn.Module model, bool trainableOnly = false)
            => model.parameters().Where(p => !trainableOnly || p.requires_grad).Sum(p => p.numel());

        [Fact]
        public void ResNet50HasTorchvisionsParameterCountKeysAndShapes()
        {
            using var model = ResNet.ResNet50();
            Assert.Equal(25_557_032, Count(model));
            var state = model.state_dict();
            var expected = ResNetTorchvisionKeys.ResNet50.Select(line => line.Split(' ')).ToArray();
            Assert.Equal(320, expected.Length);
            // Same keys (TorchSharp lists parameters before buffers, so compare them as sets).
            Assert.Equal(expected.Select(e => e[0]).OrderBy(k => k, StringComparer.Ordinal), state.Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (var e in expected)
                Assert.Equal(e.Skip(1).Select(long.Parse), state[e[0]].shape);
            Assert.Equal(ScalarType.Int64, state["layer3.5.bn2.num_batches_tracked"].dtype);
        }

        [Fact]
        public void ResNet152HasTorchvisionsParameterCount()
        {
            // On the meta device: shapes without storage, so this costs no memory or initialisation time.
            using var model = ResNet.ResNet152(device: META);
            Assert.Equal(DeviceType.META, model.Classifier.weight.device_type);
            Assert.Equal(60_192_808, Count(model));
            Assert.Equal(932, model.state_dict().Count);
            Assert.Equal(new[] { 3, 8, 36, 3 }, model.BlocksPerStage);
        }

        [Fact]
        public void StrideSitsOnTheThreeByThreeConvolutionOfEachStagesFirstBlock()
        {
            using var model = ResNet.ResNet50(numClasses: 10);
            var blocks = model.named_modules().Where(m => m.module is ResNetBottleneck)
                .ToDictionary(m => m.name, m => (ResNetBottleneck)m.module);
            Assert.Equal(16, blocks.Count);
            Assert.Equal(1, blocks["layer1.0"].Stride);
            Assert.True(blocks["layer1.0"].HasDownsample);
            foreach (var stage in new[] { "layer2", "layer3", "layer4" })
            {
                Assert.Equal(2, blocks[$"{stage}.0"].Stride);
                Assert.True(blocks[$"{stage}.0"].HasDownsample);
                Assert.Equal(1, blocks[$"{stage}.1"].Stride);
                Assert.False(blocks[$"{stage}.1"].HasDownsample);
            }
            Assert.Equal(2048, blocks["layer4.2"].OutPlanes);
        }

        [Fact]
        public void ForwardGivesLogitsAndFeatures()
        {
            using var model = ResNet.ResNet50(numClasses: 7);
            model.eval();
            using var scope = NewDisposeScope();
            var x = randn(2, 3, 64, 64);
            Assert.Equal(new long[] { 2, 7 }, model.call(x).shape);
            var features = model.Features(x);
            Assert.Equal(new long[] { 2, 2048 }, features.shape);
            Assert.True(features.ge(0).all().item<bool>());   // after ReLU and average pooling
            var ex = Assert.Throws<ArgumentException>(() => model.call(randn(2, 1, 64, 64)));
            Assert.Contains("[B, 3, H, W]", ex.Message);
        }

        [Fact]
        public void ReplaceClassifierKeepsTheKeyOrderAndTheBackbone()
        {
            using var model = ResNet.ResNet50();
            var keysBefore = model.state_dict().Keys.ToArray();
            using var before = model.state_dict()["layer1.0.conv1.weight"].clone();
            model.ReplaceClassifier(365);
            Assert.Equal(365, model.NumClasses);
            var state = model.state_dict();
            Assert.Equal(keysBefore, state.Keys);
            Assert.Equal(new long[] { 365, 2048 }, state["fc.weight"].shape);
            Assert.Same(model.Classifier, model.named_children().Single(c => c.name == "fc").module);
            Assert.True(ResNetTestTensors.Identical(before, state["layer1.0.conv1.weight"]));
            Assert.Equal(2048 * 365 + 365, model.Classifier.parameters().Sum(p => p.numel()));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.ReplaceClassifier(0));
        }

        [Fact]
        public void PlacesSetupTrainsOnlyTheLastBottleneckAndTheClassifier()
        {
            using var model = ResNet.ResNet50(numClasses: 365);
            var trainable = model.FreezeAllButLastBlock();
            var expected = new[]
            {
                "layer4.2.conv1.weight", "layer4.2.bn1.weight", "layer4.2.bn1.bias",
                "layer4.2.conv2.weight", "layer4.2.bn2.weight", "layer4.2.bn2.bias",
                "layer4.2.conv3.weight", "layer4.2.bn3.weight", "layer4.2.bn3.bias",
                "fc.weight", "fc.bias",
            };
            Assert.Equal(expected.OrderBy(n => n), trainable.OrderBy(n => n));
            Assert.Equal(expected.OrderBy(n => n), model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).OrderBy(n => n));
            Assert.Equal(4_462_592 + 2048 * 365 + 365, Count(model, trainableOnly: true));
            Assert.True(model.IsBackboneFrozen);

            // Frozen batch norms keep their running statistics in training mode; the trainable block's move.
            model.train();
            var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
            Assert.False(modules["bn1"].training);
            Assert.False(modules["layer3.5.bn3"].training);
            Assert.False(modules["layer4.1"].training);
            Assert.True(modules["layer4.2.bn1"].training);
            Assert.True(modules["fc"].training);
            using var frozenBefore = model.state_dict()["layer2.0.bn1.running_mean"].clone();
            using var liveBefore = model.state_dict()["layer4.2.bn1.running_mean"].clone();
            using (var scope = NewDisposeScope())
            {
                var loss = model.call(randn(2, 3, 64, 64)).sum();
                loss.backward();
            }
            Assert.True(ResNetTestTensors.Identical(frozenBefore, model.state_dict()["layer2.0.bn1.running_mean"]));
            Assert.False(ResNetTestTensors.Identical(liveBefore, model.state_dict()["layer4.2.bn1.running_mean"]));
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (expected.Contains(name)) Assert.NotNull(parameter.grad);
                else Assert.Null(parameter.grad);
            }

            // A replaced classifier is trainable too; Unfreeze restores everything.
            model.ReplaceClassifier(10);
            Assert.All(model.Classifier.parameters(), p => Assert.True(p.requires_grad));
            model.Unfreeze();
            model.train();
            Assert.True(model.parameters().All(p => p.requires_grad));
            Assert.True(model.named_modules().All(m => m.module.training));
        }
    }
}
