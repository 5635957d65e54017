using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Data.ImageLists;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    public class ResNetWeightsTests
    {
        // One block per stage: the same layout and loading code as ResNet-50 at a third of its size (fast tests).
        private static ResNet Slim(int classes) => new(new[] { 1, 1, 1, 1 }, classes);

        private static ResNet Trained(ResNet model)
        {
            // Move the batch-norm statistics away from their initial values so a round trip has something to carry.
            model.train();
            using (var scope = NewDisposeScope())
            using (no_grad())
                model.call(randn(2, 3, 32, 32));
            model.eval();
            return model;
        }

        private static Tensor Output(ResNet model, Tensor x)
        {
            model.eval();
            using (no_grad()) return model.call(x);
        }

        [Theory]
        [InlineData("weights.safetensors")]
        [InlineData("weights.pth")]
        public void WeightsRoundTripThroughAFile(string name)
        {
            using var temp = new TempFolder();
            var path = temp.File(name);
            using var source = Trained(Slim(10));
            ResNetWeights.Save(source, path);
            Assert.True(File.Exists(path));
            Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
            using var target = Slim(10);
            var loaded = ResNetWeights.Load(target, path);
            Assert.Equal(target.state_dict().Count, loaded.Count);
            using var scope = NewDisposeScope();
            var x = randn(1, 3, 64, 64);
            Assert.True(ResNetTestTensors.Identical(Output(source, x), Output(target, x)));
            var a = source.state_dict();
            var b = target.state_dict();
            Assert.All(a.Keys, k => Assert.True(ResNetTestTensors.Identical(a[k], b[k]), k));
        }

        [Fact]
        public void AnotherClassifierIsReportedOrSkipped()
        {
            using var temp = new TempFolder();
            var path = temp.File("imagenet.safetensors");
            using var imagenet = Trained(Slim(1000));
            ResNetWeights.Save(imagenet, path);
            using var places = Slim(365);
            var ex = Assert.Throws<InvalidDataException>(() => ResNetWeights.Load(places, path));
            Assert.Contains("fc.weight: file [1000, 2048], model [365, 2048]", ex.Message);
            Assert.Contains("skipClassifier: true", ex.Message);
            using var fcBefore = places.Classifier.weight.clone();
            var loaded = ResNetWeights.Load(places, path, skipClassifier: true);
            Assert.Equal(places.state_dict().Count - 2, loaded.Count);
            Assert.DoesNotContain("fc.weight", loaded);
            Assert.True(ResNetTestTensors.Identical(fcBefore, places.Classifier.weight));
            Assert.True(ResNetTestTensors.Identical(imagenet.state_dict()["layer4.0.conv3.weight"], places.state_dict()["layer4.0.conv3.weight"]));
        }

        [Fact]
        public void MissingAndUnexpectedKeysAreNamed()
        {
            using var temp = new TempFolder();
            using var model = Slim(10);
            var state = new Dictionary<string, Tensor>(model.state_dict());
            state.Remove("layer2.0.conv2.weight");
            state.Remove("layer1.0.bn1.num_batches_tracked");   // older torchvision files lack these: allowed
            using var extra = zeros(3);
            state["head.extra"] = extra;
            var path = temp.File("odd.safetensors");
            Safetensors.SaveStateDict(path, state);
            using var target = Slim(10);
            var ex = Assert.Throws<InvalidDataException>(() => ResNetWeights.Load(target, path));
            Assert.Contains("1 key(s) missing from the file: layer2.0.conv2.weight", ex.Message);
            Assert.Contains("1 key(s) unexpected in the file: head.extra", ex.Message);
            Assert.DoesNotContain("num_batches_tracked", ex.Message);
        }

        [Fact]
        public void DataParallelPrefixIsRemovedAndHalfPrecisionIsConverted()
        {
            using var temp = new TempFolder();
            using var source = Trained(Slim(4));
            var state = source.state_dict().ToDictionary(kv => "module." + kv.Key,
                kv => kv.Value.is_floating_point() ? kv.Value.to_type(ScalarType.Float16) : kv.Value);
            var path = temp.File("dp.pth");
            PyTorchPickler.PickleStateDict(path, state);
            using var target = Slim(4);
            Assert.Equal(target.state_dict().Count, ResNetWeights.Load(target, path).Count);
            Assert.Equal(ScalarType.Float32, target.Classifier.weight.dtype);
            using var expected = source.Classifier.weight.to_type(ScalarType.Float16).to_type(ScalarType.Float32);
            Assert.True(ResNetTestTensors.Identical(expected, target.Classifier.weight));
        }

        [Fact]
        public void NonWeightFilesFailClearly()
        {
            using var temp = new TempFolder();
            using var model = Slim(2);
            Assert.Throws<FileNotFoundException>(() => ResNetWeights.Load(model, temp.File("none.pth")));
            var junk = temp.File("junk.pth");
            File.WriteAllText(junk, "definitely not weights");
            var ex = Assert.Throws<InvalidDataException>(() => ResNetWeights.Load(model, junk));
            Assert.Contains("neither a PyTorch state_dict", ex.Message);
            Assert.Throws<DirectoryNotFoundException>(() => ResNetWeights.Save(model, temp.File("no/such/folder/w.pth")));
        }
    }
}
