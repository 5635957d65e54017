using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Samples.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    [Collection(Arbloss.Samples.Tests.Support.TorchRngCollection.Name)]
    public class ResNetTests
    {
        private static long Count(nn.Module model, bool trainableOnly = false)
            => model.parameters().Where(p => !trainableOnly || p.requires_grad).Sum(p => p.numel());

        /// <summary>torchvision's bottleneck ResNet, counted layer by layer: 7x7 stem of 64 and batch norm; per block a 1x1
        /// reduce, a 3x3 and a 1x1 expand by 4 (no biases), each with batch norm, and on each stage's first block a 1x1
        /// projection with batch norm; stages of width 64, 128, 256, 512; a linear classifier on 2048 features.</summary>
        private static long BottleneckResNetParameters(int[] blocks, int classes)
        {
            long n = 3 * 64 * 7 * 7 + 2 * 64;
            long inPlanes = 64;
            var widths = new long[] { 64, 128, 256, 512 };
            for (int s = 0; s < 4; s++)
            {
                long p = widths[s];
                for (int b = 0; b < blocks[s]; b++)
                {
                    n += inPlanes * p + 2 * p + p * p * 9 + 2 * p + p * 4 * p + 2 * 4 * p;
                    if (b == 0) n += inPlanes * 4 * p + 2 * 4 * p;
                    inPlanes = 4 * p;
                }
            }
            return n + (classes > 0 ? 2048L * classes + classes : 0);
        }

        [Fact]
        public void ParameterCountsEqualTheArchitecturesFormula()
        {
            // The formula against torchvision's published counts, then every depth against the formula.
            Assert.Equal(25_557_032, BottleneckResNetParameters(new[] { 3, 4, 6, 3 }, 1000));
            Assert.Equal(44_549_160, BottleneckResNetParameters(new[] { 3, 4, 23, 3 }, 1000));
            Assert.Equal(60_192_808, BottleneckResNetParameters(new[] { 3, 8, 36, 3 }, 1000));
            foreach (var (blocks, classes) in new[] { (new[] { 3, 4, 6, 3 }, 365), (new[] { 3, 4, 23, 3 }, 1000), (new[] { 1, 2, 1, 1 }, 0), (new[] { 2, 1, 1, 3 }, 8142) })
            {
                using var model = new ResNet(blocks, classes, device: META);
                Assert.Equal(BottleneckResNetParameters(blocks, classes), Count(model));
            }
        }

        // ----- known-weight forward passes against the host -----

        private static Map HostBottleneck(Map x, IDictionary<string, Tensor> state, string prefix, int planes, int stride)
        {
            string Key(string name) => prefix.Length == 0 ? name : prefix + "." + name;
            var y = HostNet.Relu(HostNet.BatchNorm(HostNet.Conv(x, HostNet.Values(state, Key("conv1.weight")), null, planes, 1, 1, 0), state, Key("bn1")));
            y = HostNet.Relu(HostNet.BatchNorm(HostNet.Conv(y, HostNet.Values(state, Key("conv2.weight")), null, planes, 3, stride, 1), state, Key("bn2")));
            y = HostNet.BatchNorm(HostNet.Conv(y, HostNet.Values(state, Key("conv3.weight")), null, 4 * planes, 1, 1, 0), state, Key("bn3"));
            // torchvision: a projection shortcut when the block strides or changes the width.
            var identity = stride != 1 || x.C != 4 * planes
                ? HostNet.BatchNorm(HostNet.Conv(x, HostNet.Values(state, Key("downsample.0.weight")), null, 4 * planes, 1, stride, 0), state, Key("downsample.1"))
                : x;
            return HostNet.Relu(HostNet.Add(y, identity));
        }

        [Theory]
        [InlineData(64, 16, 2, 9)]   // projection shortcut, odd size
        [InlineData(64, 16, 1, 6)]   // projection: the width changes
        [InlineData(64, 16, 2, 4)]
        [InlineData(128, 32, 1, 5)]  // identity shortcut
        public void BottleneckEqualsTheHostComputation(int inPlanes, int planes, int stride, int size)
        {
            using var scope = NewDisposeScope();
            manual_seed(6);
            using var block = new ResNetBottleneck(inPlanes, planes, stride);
            HostNet.RandomiseBatchNorms(block, seed: 2);
            block.eval();
            var x = randn(2, inPlanes, size, size);
            var y = block.call(x);
            var state = block.state_dict();
            for (int b = 0; b < 2; b++)
                Assert.True(HostNet.RelativeError(HostNet.Values(y[b]), HostBottleneck(HostNet.Sample(x, b), state, "", planes, stride).V) < 1e-5, $"sample {b}");
        }

        [Fact]
        public void ResNetForwardEqualsTheHostComputationOfItsWeights()
        {
            using var scope = NewDisposeScope();
            manual_seed(13);
            var blocks = new[] { 1, 2, 1, 1 };
            using var model = new ResNet(blocks, numClasses: 5);
            HostNet.RandomiseBatchNorms(model, seed: 7);
            model.eval();
            var x = randn(2, 3, 40, 40);
            var logits = model.call(x);
            var features = model.Features(x);
            var state = model.state_dict();
            var widths = new[] { 64, 128, 256, 512 };
            for (int b = 0; b < 2; b++)
            {
                var m = HostNet.Relu(HostNet.BatchNorm(HostNet.Conv(HostNet.Sample(x, b), HostNet.Values(state, "conv1.weight"), null, 64, 7, 2, 3), state, "bn1"));
                m = HostNet.MaxPool(m, 3, 2, 1);
                for (int s = 0; s < 4; s++)
                    for (int k = 0; k < blocks[s]; k++)
                        m = HostBottleneck(m, state, $"layer{s + 1}.{k}", widths[s], s > 0 && k == 0 ? 2 : 1);
                Assert.Equal((2048, 2, 2), (m.C, m.H, m.W));   // 40 -> 20 (stem) -> 10 (pool) -> 10, 5, 3, 2
                var hostFeatures = HostNet.GlobalAveragePool(m);
                Assert.True(HostNet.RelativeError(HostNet.Values(features[b]), hostFeatures) < 1e-4, $"features of sample {b}");
                Assert.True(HostNet.RelativeError(HostNet.Values(logits[b]), HostNet.Linear(hostFeatures, state, "fc")) < 1e-4, $"logits of sample {b}");
            }
        }

        [Fact]
        public void ATrainingStepsGradientReachesEveryParameterAndTheOutputFollowsTheInput()
        {
            using var scope = NewDisposeScope();
            manual_seed(17);
            using var model = new ResNet(new[] { 1, 1, 1, 1 }, numClasses: 4);
            model.train();
            var x = randn(4, 3, 32, 32);
            nn.functional.cross_entropy(model.call(x), tensor(new long[] { 0, 1, 2, 3 })).backward();
            foreach (var (key, p) in model.named_parameters())
            {
                Assert.True(p.grad is not null, $"{key}: no gradient");
                Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{key}: zero gradient");
            }

            model.eval();
            var all = model.call(x);
            Assert.True(all[0].sub(all[1]).abs().max().item<float>() > 1e-4, "two different images give the same logits");
            var alone = model.call(x[TensorIndex.Slice(2, 3)]);
            Assert.True(alone[0].allclose(all[2], rtol: 1e-4, atol: 1e-5), "a sample's logits change with the rest of the batch");
            var changed = x.clone();
            changed[3].copy_(randn(3, 32, 32));
            var after = model.call(changed);
            Assert.True(after[3].sub(all[3]).abs().max().item<float>() > 1e-4, "changing the input did not change the output");
            Assert.True(after[TensorIndex.Slice(0, 3)].allclose(all[TensorIndex.Slice(0, 3)], rtol: 1e-4, atol: 1e-5), "changing one sample changed another's output");
        }

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
