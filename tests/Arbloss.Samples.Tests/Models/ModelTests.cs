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
    public class ModelTests
    {
        [Fact]
        public void ResNet32HasTheCifarParameterCount()
        {
            using var model = new ResNet32(10);
            // He et al. report 0.46 M for ResNet-32 on CIFAR-10 (option-A shortcuts have no parameters).
            Assert.Equal(464_154, model.ParameterCount());
            Assert.InRange(model.ParameterCount() / 1e6, 0.455, 0.465);
            using var hundred = new ResNet32(100);
            Assert.Equal(464_154 + 90 * 65, hundred.ParameterCount());
        }

        // ----- parameter counts from the architecture -----

        private static long Conv(long inputs, long outputs, long k, bool bias) => inputs * outputs * k * k + (bias ? outputs : 0);

        private static long BatchNorm(long channels) => 2 * channels;

        private static long Linear(long inputs, long outputs) => inputs * outputs + outputs;

        /// <summary>ResNet-32 (He et al. 2016, 4.2): 3x3 stem of 16, stages of 5 basic blocks (two 3x3 convolutions without
        /// bias, each with batch norm) of 16, 32, 64 channels, parameter-free option-A shortcuts, linear head.</summary>
        private static long ResNet32Parameters(int classes)
        {
            long n = Conv(3, 16, 3, bias: false) + BatchNorm(16);
            long inPlanes = 16;
            foreach (var planes in new long[] { 16, 32, 64 })
            {
                for (int b = 0; b < 5; b++)
                {
                    n += Conv(inPlanes, planes, 3, false) + BatchNorm(planes) + Conv(planes, planes, 3, false) + BatchNorm(planes);
                    inPlanes = planes;
                }
            }
            return n + Linear(64, classes);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(10)]
        [InlineData(100)]
        public void ParameterCountsEqualTheArchitecturesFormula(int classes)
        {
            using var resnet = new ResNet32(classes);
            Assert.Equal(ResNet32Parameters(classes), resnet.ParameterCount());
            Assert.Equal(resnet.parameters().Sum(p => p.numel()), resnet.ParameterCount());
            // Tensor by tensor: 31 convolution weights (no biases), 31 batch norms (weight and bias), the head's weight and bias.
            Assert.Equal(31 + 31 * 2 + 2, resnet.parameters().Count());

            using var cnn = new FashionMnistNet(classes);
            long cnnExpected = Conv(1, 32, 3, bias: true) + BatchNorm(32) + Conv(32, 64, 3, bias: true) + BatchNorm(64)
                + Linear(64 * 7 * 7, 128) + Linear(128, classes);
            Assert.Equal(cnnExpected, cnn.ParameterCount());

            using var mlp = new MlpNet(37, classes);
            Assert.Equal(Linear(37, 128) + Linear(128, 128) + Linear(128, classes), mlp.ParameterCount());
        }

        // ----- known-weight forward passes against the host -----

        private static Map OptionABlock(Map x, IDictionary<string, Tensor> state, string prefix, int planes, int stride)
        {
            string Key(string name) => prefix.Length == 0 ? name : prefix + "." + name;
            var y = HostNet.Relu(HostNet.BatchNorm(HostNet.Conv(x, HostNet.Values(state, Key("conv1.weight")), null, planes, 3, stride, 1), state, Key("bn1")));
            y = HostNet.BatchNorm(HostNet.Conv(y, HostNet.Values(state, Key("conv2.weight")), null, planes, 3, 1, 1), state, Key("bn2"));
            var shortcut = x;
            if (stride != 1 || planes != x.C)
            {
                // Option A: every stride-th pixel from (0, 0), then (planes - C) zero channels split evenly, the odd one after.
                int h = (x.H + stride - 1) / stride, w = (x.W + stride - 1) / stride, before = (planes - x.C) / 2;
                shortcut = Map.Zeros(planes, h, w);
                for (int c = 0; c < x.C; c++)
                    for (int i = 0; i < h; i++)
                        for (int j = 0; j < w; j++)
                            shortcut.V[((c + before) * h + i) * w + j] = x[c, i * stride, j * stride];
            }
            return HostNet.Relu(HostNet.Add(y, shortcut));
        }

        private static (double[] Features, double[] Logits) HostResNet32(Map image, IDictionary<string, Tensor> state)
        {
            var x = HostNet.Relu(HostNet.BatchNorm(HostNet.Conv(image, HostNet.Values(state, "conv1.weight"), null, 16, 3, 1, 1), state, "bn1"));
            var planes = new[] { 16, 32, 64 };
            for (int s = 0; s < 3; s++)
                for (int b = 0; b < 5; b++)
                    x = OptionABlock(x, state, $"layer{s + 1}.{b}", planes[s], s > 0 && b == 0 ? 2 : 1);
            Assert.Equal((64, 8, 8), (x.C, x.H, x.W));
            var features = HostNet.GlobalAveragePool(x);
            return (features, HostNet.Linear(features, state, "head"));
        }

        [Fact]
        public void ResNet32ForwardEqualsTheHostComputationOfItsWeights()
        {
            using var scope = NewDisposeScope();
            manual_seed(11);
            using var model = new ResNet32(10);
            HostNet.RandomiseBatchNorms(model, seed: 3);
            model.eval();
            var x = randn(2, 3, 32, 32);
            var (features, logits) = model.ForwardWithFeatures(x);
            var state = model.state_dict();
            for (int b = 0; b < 2; b++)
            {
                var (hostFeatures, hostLogits) = HostResNet32(HostNet.Sample(x, b), state);
                Assert.True(HostNet.RelativeError(HostNet.Values(features[b]), hostFeatures) < 1e-4, $"features of sample {b}");
                Assert.True(HostNet.RelativeError(HostNet.Values(logits[b]), hostLogits) < 1e-4, $"logits of sample {b}");
            }
        }

        [Theory]
        [InlineData(16, 32, 2, 8, 8)]
        [InlineData(5, 8, 2, 7, 7)]    // odd padding (3 channels: 1 before, 2 after), odd size
        [InlineData(16, 16, 1, 6, 6)]  // identity shortcut
        [InlineData(4, 7, 1, 5, 5)]    // widening without subsampling
        public void OptionABlockEqualsTheHostComputation(int inPlanes, int planes, int stride, int h, int w)
        {
            using var scope = NewDisposeScope();
            manual_seed(5);
            using var block = new OptionABasicBlock(inPlanes, planes, stride);
            HostNet.RandomiseBatchNorms(block, seed: 9);
            block.eval();
            var x = randn(2, inPlanes, h, w);
            var y = block.call(x);
            Assert.Equal(new long[] { 2, planes, (h + stride - 1) / stride, (w + stride - 1) / stride }, y.shape);
            var state = block.state_dict();
            for (int b = 0; b < 2; b++)
                Assert.True(HostNet.RelativeError(HostNet.Values(y[b]), OptionABlock(HostNet.Sample(x, b), state, "", planes, stride).V) < 1e-5, $"sample {b}");
        }

        [Fact]
        public void FashionMnistNetForwardEqualsTheHostComputationOfItsWeights()
        {
            using var scope = NewDisposeScope();
            manual_seed(2);
            using var model = new FashionMnistNet(10);
            HostNet.RandomiseBatchNorms(model, seed: 4);
            model.eval();
            var x = randn(2, 1, 28, 28);
            var (features, logits) = model.ForwardWithFeatures(x);
            var state = model.state_dict();
            for (int b = 0; b < 2; b++)
            {
                var m = HostNet.Relu(HostNet.MaxPool(HostNet.BatchNorm(HostNet.Conv(HostNet.Sample(x, b), HostNet.Values(state, "conv1.weight"),
                    HostNet.Values(state, "conv1.bias"), 32, 3, 1, 1), state, "bn1"), 2, 2));
                m = HostNet.Relu(HostNet.MaxPool(HostNet.BatchNorm(HostNet.Conv(m, HostNet.Values(state, "conv2.weight"),
                    HostNet.Values(state, "conv2.bias"), 64, 3, 1, 1), state, "bn2"), 2, 2));
                Assert.Equal((64, 7, 7), (m.C, m.H, m.W));
                var hostFeatures = HostNet.Relu(HostNet.Linear(m.V, state, "fc"));   // flattened channel by channel, row by row
                Assert.True(HostNet.RelativeError(HostNet.Values(features[b]), hostFeatures) < 1e-5, $"features of sample {b}");
                Assert.True(HostNet.RelativeError(HostNet.Values(logits[b]), HostNet.Linear(hostFeatures, state, "head")) < 1e-5, $"logits of sample {b}");
            }
        }

        [Fact]
        public void MlpForwardEqualsTheHostComputationOfItsWeights()
        {
            using var scope = NewDisposeScope();
            manual_seed(8);
            using var model = (MlpNet)ModelFactory.Create("mlp", new ModelSpec(4, new long[] { 32 }));
            var x = randn(3, 32);
            var (features, logits) = model.ForwardWithFeatures(x);
            var state = model.state_dict();
            for (int b = 0; b < 3; b++)
            {
                var h = HostNet.Relu(HostNet.Linear(HostNet.Values(x[b]), state, "fc1"));
                var f = HostNet.Relu(HostNet.Linear(h, state, "fc2"));
                Assert.True(HostNet.RelativeError(HostNet.Values(features[b]), f) < 1e-5, $"features of sample {b}");
                Assert.True(HostNet.RelativeError(HostNet.Values(logits[b]), HostNet.Linear(f, state, "head")) < 1e-5, $"logits of sample {b}");
            }
        }

        // ----- gradients and dependence on the input -----

        public static IEnumerable<object[]> Networks()
        {
            yield return new object[] { "resnet32" };
            yield return new object[] { "fashion_mnist_cnn" };
            yield return new object[] { "mlp" };
        }

        private static (ClassifierNetwork Model, Tensor Input) Build(string name, int batch)
        {
            return name switch
            {
                "resnet32" => (new ResNet32(10), randn(batch, 3, 32, 32)),
                "fashion_mnist_cnn" => (new FashionMnistNet(10), randn(batch, 1, 28, 28)),
                _ => ((MlpNet)ModelFactory.Create("mlp", new ModelSpec(10, new long[] { 32 })), randn(batch, 32)),
            };
        }

        [Theory]
        [MemberData(nameof(Networks))]
        public void ATrainingStepsGradientReachesEveryParameter(string name)
        {
            using var scope = NewDisposeScope();
            manual_seed(21);
            var (model, x) = Build(name, 8);
            using var owned = model;
            model.train();
            var loss = nn.functional.cross_entropy(model.call(x), tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 }));
            loss.backward();
            var parameters = model.named_parameters().ToArray();
            Assert.NotEmpty(parameters);
            foreach (var (key, p) in parameters)
            {
                Assert.True(p.requires_grad, key);
                Assert.True(p.grad is not null, $"{key}: no gradient");
                Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{key}: zero gradient");
                Assert.True(p.grad.isfinite().all().item<bool>(), $"{key}: non-finite gradient");
            }
        }

        [Theory]
        [MemberData(nameof(Networks))]
        public void OutputChangesWithTheInputAndDependsOnEachSamplesOwnInputOnly(string name)
        {
            using var scope = NewDisposeScope();
            manual_seed(22);
            var (model, x) = Build(name, 3);
            using var owned = model;
            model.eval();
            var all = model.call(x);
            Assert.True(all[0].sub(all[2]).abs().max().item<float>() > 1e-4, "two different images give the same logits");
            // The batch in reverse order gives the same logits in reverse order.
            var reversed = model.call(x.flip(0));
            for (int b = 0; b < 3; b++)
                Assert.True(reversed[b].allclose(all[2 - b], rtol: 1e-4, atol: 1e-5), $"sample {2 - b} depends on its place in the batch");
            // In evaluation mode a sample's logits do not depend on the rest of the batch.
            var alone = model.call(x[TensorIndex.Slice(0, 1)]);
            Assert.True(alone[0].allclose(all[0], rtol: 1e-4, atol: 1e-5), "the first sample's logits change with the rest of the batch");
            // Changing one sample's input changes its output and only its output.
            var changed = x.clone();
            changed[1].copy_(randn(x.shape.Skip(1).ToArray()));
            var after = model.call(changed);
            Assert.True(after[1].sub(all[1]).abs().max().item<float>() > 1e-4, "changing the input did not change the output");
            Assert.True(after[0].allclose(all[0], rtol: 1e-4, atol: 1e-5) && after[2].allclose(all[2], rtol: 1e-4, atol: 1e-5), "changing one sample changed another's output");
        }

        [Fact]
        public void NetworksProduceFeaturesAndLogits()
        {
            using var scope = NewDisposeScope();
            using var resnet = new ResNet32(10);
            resnet.eval();
            var (features, logits) = resnet.ForwardWithFeatures(randn(2, 3, 32, 32));
            Assert.Equal(new long[] { 2, 64 }, features.shape);
            Assert.Equal(new long[] { 2, 10 }, logits.shape);
            using var cnn = new FashionMnistNet(10);
            cnn.eval();
            Assert.Equal(new long[] { 3, 128 }, cnn.Features(randn(3, 1, 28, 28)).shape);
            Assert.Equal(new long[] { 3, 10 }, cnn.call(randn(3, 1, 28, 28)).shape);
            using var mlp = (MlpNet)ModelFactory.Create("mlp", new ModelSpec(4, new long[] { 32 }));
            Assert.Equal(new long[] { 5, 4 }, mlp.call(randn(5, 32)).shape);
        }

        [Fact]
        public void FactoryKnowsTheAuthorsNamesAndRejectsOthers()
        {
            using var model = ModelFactory.Create("resnet32_fe", new ModelSpec(100, new long[] { 3, 32, 32 }));
            Assert.IsType<ResNet32>(model);
            Assert.Equal(100, model.NumClasses);
            var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet1001", new ModelSpec(10, new long[] { 3, 32, 32 })));
            Assert.Contains("resnet32", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new FashionMnistNet(1));
        }

        [Fact]
        public void ResNet32OnChannelsLastActivationsMatchesTheDefaultLayoutAndTrainsTheSameParameters()
        {
            using var scope = NewDisposeScope();
            using var model = new ResNet32(10);
            model.train();
            var x = randn(4, 3, 32, 32);
            var y = tensor(new long[] { 0, 3, 7, 9 });
            Tensor[] Grads(bool channelsLast)
            {
                model.ChannelsLast = channelsLast;
                model.zero_grad();
                var (features, logits) = model.ForwardWithFeatures(x);
                nn.functional.cross_entropy(logits, y).backward();
                return new[] { features.detach().clone(), logits.detach().clone() }.Concat(model.parameters().Select(p => p.grad!.clone())).ToArray();
            }
            var nchw = Grads(false);
            var nhwc = Grads(true);
            for (int i = 0; i < nchw.Length; i++)
                Assert.True(nchw[i].allclose(nhwc[i], rtol: 1e-3, atol: 1e-4), $"tensor {i} differs between the layouts");
        }

        [Fact]
        public void OptionAShortcutSubsamplesAndPadsChannels()
        {
            using var scope = NewDisposeScope();
            using var block = new OptionABasicBlock(16, 32, 2);
            block.eval();
            Assert.Equal(new long[] { 2, 32, 4, 4 }, block.call(randn(2, 16, 8, 8)).shape);
            Assert.Throws<ArgumentOutOfRangeException>(() => new OptionABasicBlock(32, 16, 1));
        }
    }
}
