using System;
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
