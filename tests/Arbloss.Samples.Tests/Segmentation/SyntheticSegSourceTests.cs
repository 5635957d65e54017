using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Xunit;
using Xunit.Abstractions;

namespace Arbloss.Samples.Tests.Segmentation
{
    /// <summary>The <c>synthetic-seg</c> dataset as the trainer sees it: the provider's splits, the source's pixels and
    /// masks, its flip, and the loader's dense-target batches.</summary>
    public class SyntheticSegSourceTests
    {
        private readonly ITestOutputHelper _log;

        public SyntheticSegSourceTests(ITestOutputHelper log) => _log = log;

        private static long[] Target(ISampleSource source, int index, ulong? seed)
        {
            var t = new long[source.TargetShape.Aggregate(1L, (a, b) => a * b)];
            source.ReadTarget(index, t, seed);
            return t;
        }

        private static byte[] Image(ISampleSource source, int index, ulong? seed)
        {
            var p = new byte[source.SampleShape.Aggregate(1L, (a, b) => a * b)];
            source.ReadPixels(index, p, seed);
            return p;
        }

        [Fact]
        public void TheShippedTrainingSetSpansAtLeastOneHundredToOneInPixelsAndItsCountsAreItsMasks()
        {
            var cfg = ConfigLoader.Parse("dataset: synthetic-seg\n", "test");
            Assert.Equal(("seg_fcn", 10), (cfg.Backbone, cfg.NumClasses));
            var splits = DatasetRegistry.Get("synthetic-seg").Load(cfg, new DataContext(allowDownload: false));
            Assert.True(splits.IsDense);
            Assert.Equal(SyntheticSegProvider.DefaultTrainScenes, splits.Train.Count);
            Assert.Equal(SyntheticSegProvider.DefaultTestScenes, splits.Test.Count);
            Assert.Equal(new long[] { 48, 48 }, splits.Train.TargetShape);
            Assert.Equal(new long[] { 3, 48, 48 }, splits.Train.SampleShape);
            // Recount every training pixel from the masks as the loader reads them (no augmentation).
            var counts = new long[10];
            for (int i = 0; i < splits.Train.Count; i++)
                foreach (var c in Target(splits.Train, i, null)) counts[c]++;
            _log.WriteLine(string.Join(", ", counts));
            Assert.Equal(counts, splits.TrainPixelCounts);
            Assert.Equal(3000L * 48 * 48, counts.Sum());
            Assert.True(counts.All(c => c > 0));
            double ratio = (double)counts[0] / counts.Min();
            Assert.True(ratio >= 100, $"background : rarest class is {ratio:F1}:1, below 100:1");
            // The test set is a disjoint range of scenes: no test image equals a training image.
            var trainFirst = Image(splits.Train, 0, null);
            Assert.All(Enumerable.Range(0, 20), i => Assert.NotEqual(trainFirst, Image(splits.Test, i, null)));
        }

        [Fact]
        public void ScenesAreDeterministicAndLabelsAreTheDominantObjectClass()
        {
            var a = new SyntheticSegSource(11, 0, 30, 32, augment: true);
            var b = new SyntheticSegSource(11, 0, 30, 32, augment: true);
            var shifted = new SyntheticSegSource(11, 1, 30, 32, augment: true);
            for (int i = 0; i < 30; i++)
            {
                Assert.Equal(Image(a, i, 5), Image(b, i, 5));
                Assert.Equal(Target(a, i, 5), Target(b, i, 5));
                if (i + 1 < 30) Assert.Equal(Target(a, i + 1, null), Target(shifted, i, null));
                var mask = Target(a, i, null);
                var perClass = Enumerable.Range(0, 10).Select(c => mask.LongCount(v => v == c)).ToArray();
                long expected = perClass.Skip(1).Max() == 0 ? 0 : Array.IndexOf(perClass, perClass.Skip(1).Max(), 1);
                Assert.Equal(expected, a.Labels[i]);
            }
            Assert.NotEqual(Image(a, 0, null), Image(a, 1, null));
        }

        [Fact]
        public void AFlipMirrorsImageAndMaskTogetherAndOnlyOnTrainingSets()
        {
            const int s = 32;
            var train = new SyntheticSegSource(3, 0, 4, s, augment: true);
            var test = new SyntheticSegSource(3, 0, 4, s, augment: false);
            int flipped = 0, kept = 0;
            for (ulong seed = 1; seed <= 40; seed++)
            {
                int i = (int)(seed % 4);
                var plainImage = Image(train, i, null);
                var plainMask = Target(train, i, null);
                var image = Image(train, i, seed);
                var mask = Target(train, i, seed);
                bool imageFlipped = !image.SequenceEqual(plainImage);
                bool maskFlipped = !mask.SequenceEqual(plainMask);
                if (imageFlipped)
                {
                    flipped++;
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < s; y++)
                            for (int x = 0; x < s; x++)
                                Assert.Equal(plainImage[(c * s + y) * s + s - 1 - x], image[(c * s + y) * s + x]);
                    for (int y = 0; y < s; y++)
                        for (int x = 0; x < s; x++)
                            Assert.Equal(plainMask[y * s + s - 1 - x], mask[y * s + x]);
                }
                else
                {
                    kept++;
                    Assert.Equal(plainMask, mask);
                }
                // A mask that is not left-right symmetric flips exactly when its image does.
                if (!plainMask.SequenceEqual(Enumerable.Range(0, s * s).Select(p => plainMask[p / s * s + s - 1 - p % s])))
                    Assert.Equal(imageFlipped, maskFlipped);
                Assert.Equal(Image(test, i, null), Image(test, i, seed));
                Assert.Equal(Target(test, i, null), Target(test, i, seed));
            }
            Assert.True(flipped >= 8 && kept >= 8, $"{flipped} flipped, {kept} kept of 40 seeds");
        }

        [Fact]
        public void LoaderBatchesHoldDenseTargetsOfShapeBHWThatMatchTheSource()
        {
            const int s = 24;
            var source = new SyntheticSegSource(9, 0, 21, s, augment: true);
            var order = Enumerable.Range(0, 21).Reverse().ToArray();
            var options = new BatchLoaderOptions { Workers = 2, Prefetch = 2, Augment = true, Seed = 77 };
            var sizes = new List<int>();
            foreach (var batch in BatchLoader.Load(source, order, 8, options))
            {
                using (batch)
                {
                    Assert.True(batch.IsDense);
                    Assert.Equal(new long[] { batch.Size, s, s }, batch.Targets.shape);
                    Assert.Equal(TorchSharp.torch.ScalarType.Int64, batch.Targets.dtype);
                    Assert.Equal(new long[] { batch.Size }, batch.Labels.shape);
                    Assert.Equal(new long[] { batch.Size, 3, s, s }, batch.Images.shape);
                    sizes.Add(batch.Size);
                    var targets = batch.Targets.data<long>().ToArray();
                    var images = batch.Images.data<byte>().ToArray();
                    for (int k = 0; k < batch.Size; k++)
                    {
                        int position = batch.Index * 8 + k;
                        int index = order[position];
                        ulong seed = BatchLoader.SampleSeed(77, position);
                        Assert.Equal(Target(source, index, seed), targets.Skip(k * s * s).Take(s * s).ToArray());
                        Assert.Equal(Image(source, index, seed), images.Skip(k * 3 * s * s).Take(3 * s * s).ToArray());
                        Assert.Equal(source.Labels[index], batch.HostLabels[k]);
                    }
                    using var onDevice = batch.TargetsOn(TorchSharp.torch.CPU);
                    Assert.Equal(targets, onDevice.data<long>().ToArray());
                }
            }
            Assert.Equal(new[] { 8, 8, 5 }, sizes);
        }

        [Fact]
        public void ClassificationBatchesKeepTheirLabelsAsTargets()
        {
            var pixels = new byte[4 * 3 * 2 * 2];
            var source = new InMemoryImageSource(pixels, new long[] { 0, 1, 2, 1 }, 3, 2, 2, new[] { 0.5, 0.5, 0.5 }, new[] { 0.2, 0.2, 0.2 }, ImageAugmentation.None);
            Assert.Empty(((ISampleSource)source).TargetShape);
            Assert.Throws<NotSupportedException>(() => ((ISampleSource)source).ReadTarget(0, new long[1], null));
            foreach (var batch in BatchLoader.Load(source, new[] { 3, 2, 1, 0 }, 4, new BatchLoaderOptions { Workers = 0 }))
            {
                using (batch)
                {
                    Assert.False(batch.IsDense);
                    Assert.Equal(new long[] { 1, 2, 1, 0 }, batch.Targets.data<long>().ToArray());
                }
            }
        }
    }
}
