using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Samples.Data;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Arbloss.Samples.Tests.Data
{
    public class BatchLoaderTests
    {
        private static InMemoryImageSource Images(int n)
        {
            var rng = new Random(5);
            var pixels = new byte[n * 3 * 8 * 8];
            rng.NextBytes(pixels);
            return new InMemoryImageSource(pixels, Enumerable.Range(0, n).Select(i => (long)(i % 4)).ToArray(), 3, 8, 8,
                new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 }, ImageAugmentation.PadCropFlip);
        }

        private static List<(float[] Images, long[] Labels)> Collect(IEnumerable<Batch> batches)
        {
            var result = new List<(float[], long[])>();
            foreach (var batch in batches)
                using (batch)
                using (var images = batch.ImagesOn(torch.CPU))
                    result.Add((images.data<float>().ToArray(), batch.Labels.data<long>().ToArray()));
            return result;
        }

        [Fact]
        public void BatchesAreTheSameWhateverTheNumberOfWorkers()
        {
            var source = Images(50);
            var order = Enumerable.Range(0, 50).Reverse().ToArray();
            var options = new BatchLoaderOptions { Augment = true, Seed = 42 };
            var serial = Collect(BatchLoader.Load(source, order, 16, options with { Workers = 0 }));
            var parallel = Collect(BatchLoader.Load(source, order, 16, options with { Workers = 3, Prefetch = 2 }));
            Assert.Equal(4, serial.Count);
            Assert.Equal(2, serial[^1].Labels.Length);
            for (int b = 0; b < serial.Count; b++)
            {
                Assert.Equal(serial[b].Images, parallel[b].Images);
                Assert.Equal(serial[b].Labels, parallel[b].Labels);
            }
            Assert.Equal(order.Select(i => source.Labels[i]), serial.SelectMany(b => b.Labels));
            var otherSeed = Collect(BatchLoader.Load(source, order, 16, options with { Seed = 43 }));
            Assert.NotEqual(serial[0].Images, otherSeed[0].Images);
        }

        [Fact]
        public void FirstBatchSkipsAndEarlyExitStopsTheProducer()
        {
            var source = Images(40);
            var order = Enumerable.Range(0, 40).ToArray();
            var all = Collect(BatchLoader.Load(source, order, 8, new BatchLoaderOptions { Workers = 2 }));
            var tail = Collect(BatchLoader.Load(source, order, 8, new BatchLoaderOptions { Workers = 2, FirstBatch = 3 }));
            Assert.Equal(2, tail.Count);
            Assert.Equal(all[3].Images, tail[0].Images);
            foreach (var batch in BatchLoader.Load(source, order, 8, new BatchLoaderOptions { Workers = 2, Prefetch = 1 }))
            {
                batch.Dispose();
                break; // abandoning the enumeration must not hang
            }
        }

        [Fact]
        public void PixelSourcesGiveBytesThatNormaliseToTheFloatPathBitForBit()
        {
            var source = Images(20);
            var order = Enumerable.Range(0, 20).ToArray();
            var options = new BatchLoaderOptions { Augment = true, Seed = 9, Workers = 2 };
            var expected = new float[3 * 8 * 8];
            int position = 0;
            foreach (var batch in BatchLoader.Load(source, order, 8, options))
            {
                using (batch)
                {
                    Assert.Equal(ScalarType.Byte, batch.Images.dtype);
                    Assert.Same(source.Pixels, batch.Pixels);
                    using var images = batch.ImagesOn(torch.CPU);
                    var values = images.data<float>().ToArray();
                    for (int i = 0; i < batch.Size; i++, position++)
                    {
                        source.Read(order[position], expected, BatchLoader.SampleSeed(options.Seed, position));
                        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), values.Skip(i * expected.Length).Take(expected.Length).Select(BitConverter.SingleToInt32Bits));
                        Assert.Equal(source.Labels[order[position]], batch.HostLabels[i]);
                    }
                }
            }
            Assert.Equal(20, position);
        }

        [Fact]
        public void FeatureVectorSourcesStayFloat32()
        {
            var values = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
            var source = new DenseVectorSource(values, new long[] { 0, 1, 0, 1, 1, 0, 0, 1, 1, 0 }, 3);
            var batches = Collect(BatchLoader.Load(source, Enumerable.Range(0, 10).ToArray(), 4, new BatchLoaderOptions { Workers = 1 }));
            Assert.Equal(values, batches.SelectMany(b => b.Images));
        }

        [Theory]
        [InlineData(0, 1)]
        [InlineData(2, 1)]
        [InlineData(2, 3)]
        public void HeldBatchesAreNeverOverwrittenAndTheRingIsReused(int workers, int prefetch)
        {
            var source = Images(60);
            var order = Enumerable.Range(0, 60).ToArray();
            var options = new BatchLoaderOptions { Augment = true, Seed = 5, Workers = workers, Prefetch = prefetch };
            var reference = Collect(BatchLoader.Load(source, order, 4, options));
            int ring = options.RingSize;
            Assert.Equal(workers == 0 ? 2 : prefetch + 2, ring);
            // Hold ring - 1 batches at a time (the most the contract allows while asking for more), check them after later
            // batches were built, then release the oldest.
            var held = new Queue<Batch>();
            var slots = new HashSet<int>();
            foreach (var batch in BatchLoader.Load(source, order, 4, options))
            {
                slots.Add(batch.SlotId);
                held.Enqueue(batch);
                foreach (var h in held)
                    Assert.Equal(reference[h.Index].Images, Floats(h));
                if (held.Count == ring - 1) held.Dequeue().Dispose();
            }
            // Batches still held after the enumeration ended stay valid until disposed.
            foreach (var h in held)
            {
                Assert.Equal(reference[h.Index].Images, Floats(h));
                h.Dispose();
            }
            Assert.InRange(slots.Count, 1, ring);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(2)]
        public void HoldingEveryBufferWhileAskingForMoreThrowsInsteadOfHanging(int workers)
        {
            var source = Images(40);
            var options = new BatchLoaderOptions { Workers = workers, Prefetch = 1 };
            var held = new List<Batch>();
            var ex = Assert.Throws<InvalidOperationException>(() =>
            {
                foreach (var batch in BatchLoader.Load(source, Enumerable.Range(0, 40).ToArray(), 4, options)) held.Add(batch);
            });
            Assert.Contains("dispose", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(options.RingSize, held.Count);
            held.ForEach(b => b.Dispose());
        }

        [Fact]
        public void ManagedBytesPerBatchDoNotGrowWithTheBatchSize()
        {
            // One thread (Workers = 0), so the current thread's allocation counter sees everything the loader allocates.
            var source = Images(2048);
            var order = Enumerable.Range(0, 2048).ToArray();
            double PerBatch(int batchSize)
            {
                var options = new BatchLoaderOptions { Workers = 0, Augment = true, Seed = 1 };
                foreach (var b in BatchLoader.Load(source, order.Take(batchSize * 2).ToArray(), batchSize, options)) b.Dispose(); // warm up
                long before = GC.GetAllocatedBytesForCurrentThread();
                int batches = 0;
                foreach (var b in BatchLoader.Load(source, order, batchSize, options))
                {
                    b.Dispose();
                    batches++;
                }
                return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / batches;
            }
            double small = PerBatch(16), large = PerBatch(512);
            // A float[] per batch would be 512 * 192 * 4 = 393 KB at batch 512; the ring allocates a few small objects.
            Assert.True(large < 8 * 1024, $"{large:F0} bytes per batch of 512");
            Assert.True(large < small + 2048, $"{small:F0} bytes per batch of 16, {large:F0} per batch of 512");
        }

        private static float[] Floats(Batch batch)
        {
            using var images = batch.ImagesOn(torch.CPU);
            return images.data<float>().ToArray();
        }

        [Fact]
        public void BadArgumentsAreRejected()
        {
            var source = Images(4);
            Assert.Throws<ArgumentOutOfRangeException>(() => BatchLoader.Load(source, new[] { 0, 7 }, 2, new BatchLoaderOptions()));
            Assert.Throws<ArgumentOutOfRangeException>(() => BatchLoader.Load(source, new[] { 0 }, 0, new BatchLoaderOptions()));
        }
    }
}
