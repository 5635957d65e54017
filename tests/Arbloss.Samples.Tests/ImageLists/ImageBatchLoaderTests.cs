using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.ImageLists;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.ImageLists
{
    public class ImageBatchLoaderTests
    {
        private static readonly int[] TrainCounts = { 4, 2, 7 };   // 13 training images

        private static ImageListSplits Tiny(TempFolder temp)
        {
            var spec = new ImageListSpec("tiny", "tiny_train.txt", "tiny_test.txt", 3);
            TestImages.WriteDataset(temp.Path, spec, TrainCounts, testPerClass: 2, width: 30, height: 22);
            return ImageListSplits.Load(spec, temp.Path);
        }

        private static List<(float[] Images, long[] Labels, int[] Indices)> Collect(ImageBatchLoader loader, int epoch)
        {
            var result = new List<(float[], long[], int[])>();
            foreach (var batch in loader.Epoch(epoch))
            {
                using (batch)
                {
                    Assert.Equal(ScalarType.Float32, batch.Images.dtype);
                    Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
                    Assert.Equal(new long[] { batch.Count, 3, loader.Transform.OutputSize, loader.Transform.OutputSize }, batch.Images.shape);
                    Assert.Equal(result.Count, batch.BatchIndex);
                    result.Add((batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray(), batch.Indices.ToArray()));
                }
            }
            return result;
        }

        [Fact]
        public void YieldsBatchesInListOrderWithTheirLabels()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var loader = new ImageBatchLoader(splits.Train, new TrainImageTransform(size: 16), new ImageLoaderOptions { BatchSize = 5, Workers = 2 });
            Assert.Equal(3, loader.BatchesPerEpoch);
            var batches = Collect(loader, 0);
            Assert.Equal(new[] { 5, 5, 3 }, batches.Select(b => b.Indices.Length));
            Assert.Equal(Enumerable.Range(0, 13), batches.SelectMany(b => b.Indices));
            Assert.Equal(splits.Train.Labels.Select(l => (long)l), batches.SelectMany(b => b.Labels));
            var dropLast = new ImageBatchLoader(splits.Train, new TrainImageTransform(size: 16), new ImageLoaderOptions { BatchSize = 5, DropLast = true });
            Assert.Equal(2, dropLast.BatchesPerEpoch);
            Assert.Equal(2, Collect(dropLast, 0).Count);
        }

        [Fact]
        public void OutputIsDeterministicAndIndependentOfWorkerCount()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var transform = new TrainImageTransform(size: 16);
            ImageBatchLoader Make(int workers) => new(splits.Train, transform,
                new ImageLoaderOptions { BatchSize = 4, Workers = workers, Shuffle = true, Seed = 7, Prefetch = 1 });
            var one = Collect(Make(1), 3);
            var two = Collect(Make(2), 3);
            Assert.Equal(one.Count, two.Count);
            for (var b = 0; b < one.Count; b++)
            {
                Assert.Equal(one[b].Indices, two[b].Indices);
                Assert.Equal(one[b].Labels, two[b].Labels);
                Assert.Equal(one[b].Images, two[b].Images);
            }
            // Shuffled: a permutation, different in another epoch, the same when the epoch repeats.
            var order3 = one.SelectMany(b => b.Indices).ToArray();
            Assert.Equal(Enumerable.Range(0, 13), order3.OrderBy(i => i));
            Assert.NotEqual(order3, Make(1).EpochOrder(4));
            Assert.Equal(order3, Make(2).EpochOrder(3));
            // Another seed gives other augmentations of the same images.
            var reseeded = new ImageBatchLoader(splits.Train, transform, new ImageLoaderOptions { BatchSize = 13, Seed = 8 });
            var plain = new ImageBatchLoader(splits.Train, transform, new ImageLoaderOptions { BatchSize = 13, Seed = 7 });
            Assert.NotEqual(Collect(plain, 0)[0].Images, Collect(reseeded, 0)[0].Images);
        }

        [Fact]
        public void EvalBatchesHoldTheTransformOfEachImage()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var transform = new EvalImageTransform(resize: 20, size: 16);
            var loader = new ImageBatchLoader(splits.Test, transform, new ImageLoaderOptions { BatchSize = 4, Workers = 2 });
            var batches = Collect(loader, 0);
            var images = batches.SelectMany(b => b.Images).ToArray();
            for (var i = 0; i < splits.Test.Count; i++)
            {
                using var decoded = ImageDecoder.Decode(splits.Test.ImagePath(i));
                var expected = new float[transform.OutputLength];
                transform.Apply(decoded, 0, expected);
                Assert.Equal(expected, images.Skip(i * transform.OutputLength).Take(transform.OutputLength));
            }
        }

        [Fact]
        public void ExplicitOrderMaySampleRepeatedly()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var loader = new ImageBatchLoader(splits.Train, new TrainImageTransform(size: 16), new ImageLoaderOptions { BatchSize = 3 });
            var order = new long[] { 12, 12, 0, 5, 12 };
            var seen = new List<int>();
            float[]? first = null;
            foreach (var batch in loader.Epoch(1, order))
            {
                using (batch)
                {
                    seen.AddRange(batch.Indices);
                    if (first is null)
                    {
                        var all = batch.Images.data<float>().ToArray();
                        first = all;
                        // The same image at two positions gets two different augmentations.
                        var n = 3 * 16 * 16;
                        Assert.NotEqual(all.Take(n), all.Skip(n).Take(n));
                    }
                }
            }
            Assert.Equal(new[] { 12, 12, 0, 5, 12 }, seen);
            Assert.Throws<ArgumentOutOfRangeException>(() => loader.Epoch(0, new long[] { 13 }));
        }

        [Fact]
        public void StoppingEarlyDisposesTheRestAndTheNextEpochStillWorks()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var loader = new ImageBatchLoader(splits.Train, new TrainImageTransform(size: 16), new ImageLoaderOptions { BatchSize = 2, Prefetch = 3, Workers = 2 });
            foreach (var batch in loader.Epoch(0))
            {
                batch.Dispose();
                break;
            }
            Assert.Equal(7, Collect(loader, 1).Count);
        }

        [Fact]
        public void CorruptImageStopsNamingListFileAndLine()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var victim = splits.Train.Entries[6];
            File.WriteAllBytes(splits.Train.ImagePath(6), new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 });
            var loader = new ImageBatchLoader(splits.Train, new EvalImageTransform(20, 16), new ImageLoaderOptions { BatchSize = 4 });
            var ex = Assert.Throws<ImageListException>(() => Collect(loader, 0));
            Assert.Equal(splits.Train.ListPath, ex.ListPath);
            Assert.Equal(victim.LineNumber, ex.LineNumber);
            Assert.Contains(victim.RelativePath, ex.Message);
        }

        [Fact]
        public void SkipModeLeavesUndecodableImagesOutAndCountsThem()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            File.WriteAllText(splits.Train.ImagePath(2), "not an image");
            File.Delete(splits.Train.ImagePath(9));
            var loader = new ImageBatchLoader(splits.Train, new EvalImageTransform(20, 16),
                new ImageLoaderOptions { BatchSize = 4, Policy = InvalidEntryPolicy.Skip });
            var batches = Collect(loader, 0);
            Assert.Equal(new[] { 3, 4, 3, 1 }, batches.Select(b => b.Indices.Length));
            Assert.DoesNotContain(2, batches.SelectMany(b => b.Indices));
            Assert.DoesNotContain(9, batches.SelectMany(b => b.Indices));
            Assert.Equal(2, loader.SkippedImages);
            Assert.Equal(new[] { splits.Train.Entries[2].LineNumber, splits.Train.Entries[9].LineNumber }.OrderBy(l => l),
                loader.Problems.Select(p => p.LineNumber).OrderBy(l => l));
            // Labels still line up with the images kept.
            foreach (var (_, labels, indices) in batches)
                Assert.Equal(indices.Select(i => (long)splits.Train.Labels[i]), labels);
        }

        [Fact]
        public void OptionsAreValidated()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var t = new EvalImageTransform(20, 16);
            Assert.Throws<ArgumentOutOfRangeException>(() => new ImageBatchLoader(splits.Train, t, new ImageLoaderOptions { BatchSize = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ImageBatchLoader(splits.Train, t, new ImageLoaderOptions { Workers = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ImageBatchLoader(splits.Train, t, new ImageLoaderOptions { Prefetch = 0 }));
            Assert.Throws<ArgumentNullException>(() => new ImageBatchLoader(null!, t));
        }
    }
}
