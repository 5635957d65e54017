using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Data;
using Arbloss.Samples.Data.ImageLists;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    /// <summary>List-file images through the app's one loader (<see cref="BatchLoader"/> over <see cref="ImageListSource"/>).</summary>
    public class ImageListSourceTests
    {
        private static readonly int[] TrainCounts = { 4, 2, 7 };   // 13 training images

        private static ImageListSplits Tiny(TempFolder temp)
        {
            var spec = new ImageListSpec("tiny", "tiny_train.txt", "tiny_test.txt", 3);
            TestImages.WriteDataset(temp.Path, spec, TrainCounts, testPerClass: 2, width: 30, height: 22);
            return ImageListSplits.Load(spec, temp.Path);
        }

        private static List<(float[] Images, long[] Labels)> Collect(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options)
        {
            var result = new List<(float[], long[])>();
            foreach (var batch in BatchLoader.Load(source, order, batchSize, options))
            {
                using (batch)
                {
                    // Pixels travel as bytes and are normalised where the model runs.
                    Assert.Equal(ScalarType.Byte, batch.Images.dtype);
                    Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
                    Assert.Equal(new long[] { batch.Size }.Concat(source.SampleShape), batch.Images.shape);
                    Assert.Equal(result.Count, batch.Index);
                    using var images = batch.ImagesOn(CPU);
                    Assert.Equal(ScalarType.Float32, images.dtype);
                    result.Add((images.data<float>().ToArray(), batch.Labels.data<long>().ToArray()));
                }
            }
            return result;
        }

        [Fact]
        public void BatchesFollowTheOrderWithTheirLabels()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var source = new ImageListSource(splits.Train, new TrainImageTransform(size: 16), new EvalImageTransform(20, 16));
            var order = Enumerable.Range(0, 13).Reverse().ToArray();
            var batches = Collect(source, order, 5, new BatchLoaderOptions { Workers = 2, Augment = true, Seed = 3 });
            Assert.Equal(new[] { 5, 5, 3 }, batches.Select(b => b.Labels.Length));
            Assert.Equal(order.Select(i => (long)splits.Train.Labels[i]), batches.SelectMany(b => b.Labels));
        }

        [Fact]
        public void AugmentedBatchesAreTheSameWhateverTheNumberOfWorkersAndChangeWithTheSeed()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var source = new ImageListSource(splits.Train, new TrainImageTransform(size: 16), new EvalImageTransform(20, 16));
            var order = new[] { 3, 12, 0, 7, 7, 1, 9, 4 };
            List<(float[] Images, long[] Labels)> Run(int workers, ulong seed) =>
                Collect(source, order, 3, new BatchLoaderOptions { Workers = workers, Prefetch = 1, Augment = true, Seed = seed });
            var sequential = Run(0, 7);
            var one = Run(1, 7);
            var two = Run(2, 7);
            Assert.Equal(sequential.SelectMany(b => b.Images), one.SelectMany(b => b.Images));
            Assert.Equal(sequential.SelectMany(b => b.Images), two.SelectMany(b => b.Images));
            Assert.NotEqual(sequential.SelectMany(b => b.Images), Run(2, 8).SelectMany(b => b.Images));
            // The same image at two positions (7 twice) gets two different augmentations.
            var n = 3 * 16 * 16;
            var second = sequential[1].Images;   // positions 3, 4, 5 = images 7, 7, 1
            Assert.NotEqual(second.Take(n), second.Skip(n).Take(n));
        }

        [Fact]
        public void EvaluationBatchesHoldTheEvalTransformOfEachImage()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var eval = new EvalImageTransform(resize: 20, size: 16);
            var source = new ImageListSource(splits.Test, null, eval);
            var images = Collect(source, Enumerable.Range(0, splits.Test.Count).ToArray(), 4, new BatchLoaderOptions { Workers = 2 })
                .SelectMany(b => b.Images).ToArray();
            for (var i = 0; i < splits.Test.Count; i++)
            {
                using var decoded = ImageDecoder.Decode(splits.Test.ImagePath(i));
                var expected = new float[eval.OutputLength];
                eval.Apply(decoded, 0, expected);
                Assert.Equal(expected, images.Skip(i * eval.OutputLength).Take(eval.OutputLength));
            }
        }

        [Fact]
        public void PixelBatchesNormalisedOnTheDeviceEqualTheHostFloatPathBitForBit()
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var source = new ImageListSource(splits.Train, new TrainImageTransform(size: 16), new EvalImageTransform(20, 16));
            var order = Enumerable.Range(0, 13).ToArray();
            var options = new BatchLoaderOptions { Workers = 2, Augment = true, Seed = 11 };
            var batches = Collect(source, order, 5, options);
            var n = source.Eval.OutputLength;
            var expected = new float[n];
            var bytes = new byte[n];
            for (var position = 0; position < order.Length; position++)
            {
                var seed = BatchLoader.SampleSeed(options.Seed, position);
                source.Read(order[position], expected, seed);
                var actual = batches[position / 5].Images.Skip(position % 5 * n).Take(n).ToArray();
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
                source.ReadPixels(order[position], bytes, seed);
                for (var i = 0; i < n; i++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(bytes[i] * source.Pixels.Scale[i / 256] + source.Pixels.Shift[i / 256]), BitConverter.SingleToInt32Bits(expected[i]));
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(2)]
        public void ACorruptImageStopsTheLoaderNamingListFileAndLine(int workers)
        {
            using var temp = new TempFolder();
            var splits = Tiny(temp);
            var victim = splits.Train.Entries[6];
            File.WriteAllBytes(splits.Train.ImagePath(6), new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 });
            var source = new ImageListSource(splits.Train, null, new EvalImageTransform(20, 16));
            var ex = Assert.Throws<ImageListException>(() => Collect(source, Enumerable.Range(0, 13).ToArray(), 4, new BatchLoaderOptions { Workers = workers }));
            Assert.Equal(splits.Train.ListPath, ex.ListPath);
            Assert.Equal(victim.LineNumber, ex.LineNumber);
            Assert.Contains(victim.RelativePath, ex.Message);
        }
    }
}
