using System;
using System.Linq;
using Arbloss.Losses;
using Arbloss.Losses.Diagnostics;
using Arbloss.Samples.Data;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Training
{
    /// <summary>
    /// The pieces of a training step run on PyTorch's meta device, which has shapes but no data: any read-back to the host
    /// (<c>item</c>, <c>bincount</c>'s range, <c>unique</c>, a copy to the CPU) throws there. So a step built from these
    /// pieces (the loader's batch moved and normalised on the device, host-counted classes, the loss with validation off, its
    /// backward, the SGD step, the running sums) does not synchronise the host with an accelerator; the checks that did are
    /// shown to throw.
    /// </summary>
    [Collection(TorchRngCollection.Name)]
    public class NoReadBackTests
    {
        private static readonly Device Meta = new(DeviceType.META);

        private static Batch PixelBatch(int size, int classes)
        {
            var rng = new Random(3);
            var pixels = new byte[size * 3 * 32 * 32];
            rng.NextBytes(pixels);
            var labels = Enumerable.Range(0, size).Select(i => (long)(i % classes)).ToArray();
            var source = new InMemoryImageSource(pixels, labels, 3, 32, 32, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 }, ImageAugmentation.PadCropFlip);
            return BatchLoader.Load(source, Enumerable.Range(0, size).ToArray(), size, new BatchLoaderOptions { Workers = 0, Augment = true, Seed = 1 }).First();
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ATrainingStepOfBatchCountArbLossReadsNothingBack(bool accumulate)
        {
            using var scope = NewDisposeScope();
            using var batch = PixelBatch(16, 10);
            // libtorch has meta kernels for few network layers (none for convolutions or ReLU): the model is a linear classifier.
            using var model = nn.Linear(3 * 32 * 32, 10);
            model.to(Meta);
            using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 2e-4);
            using var loss = new ArbLoss(10) { ValidateTargets = false };
            var sums = zeros(2, ScalarType.Float64, Meta);

            var x = batch.ImagesOn(Meta);                      // uint8 copy, normalised on the device
            var y = batch.LabelsOn(Meta);
            var counts = DeviceUpload.ClassCounts(batch.HostLabels, 10, Meta);
            Assert.Equal(DeviceType.META, x.device_type);
            Assert.Equal(ScalarType.Float32, x.dtype);
            optimizer.zero_grad();
            // (libtorch has no meta kernel for index_select, so mixup's permutation is not exercised here; its targets are
            // the same host-uploaded kind of tensor as the counts.)
            var targetsB = DeviceUpload.Int64(batch.HostLabels.ToArray().Reverse().ToArray(), Meta);
            var logits = model.call(x.flatten(1));
            var value = GradientAccumulation.MicroBatchLoss(loss, logits, y, targetsB, 0.7, counts);
            (accumulate ? value.mul(0.5) : value).backward();
            optimizer.step();
            sums[0].add_(value.detach().to_type(ScalarType.Float64), batch.Size);
            sums[1].add_(logits.argmax(1).eq(y).sum());
            Assert.Equal(DeviceType.META, sums.device_type);
            // gradient_balance: true, as the trainer feeds it (host labels; the logit gradient with host-counted classes).
            using var balance = new GradientBalanceAccumulator(10);
            var features = x.flatten(1).detach();
            var logitGradient = logits.detach().softmax(1);
            balance.Add(features, logitGradient, y, batch.HostLabels);
            Assert.Equal(1, balance.Steps);
            Assert.ThrowsAny<Exception>(() => GradientBalance.Compute(features, logitGradient, y));   // range check, unique, bincount
        }

        [Fact]
        public void TheChecksTheTrainerTurnsOffWouldReadBack()
        {
            using var scope = NewDisposeScope();
            var logits = randn(8, 10).to(Meta);
            var y = tensor(Enumerable.Range(0, 8).Select(i => (long)i).ToArray()).to(Meta);
            using var validating = new ArbLoss(10);                               // ValidateTargets = true: .item()
            Assert.ThrowsAny<Exception>(() => validating.call(logits, y));
            using var counting = new ArbLoss(10) { ValidateTargets = false };    // batch counts on the device: bincount, sized by the data
            Assert.ThrowsAny<Exception>(() => counting.call(logits, y));
            using var global = new ArbLoss(Enumerable.Repeat(5L, 10).ToArray()) { ValidateTargets = false };
            global.to(Meta);
            Assert.Equal(DeviceType.META, global.call(logits, y).device_type);   // global counts: nothing to read
        }
    }
}
