using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Samples.Data;
using TorchSharp;
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
                    result.Add((batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray()));
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
        public void BadArgumentsAreRejected()
        {
            var source = Images(4);
            Assert.Throws<ArgumentOutOfRangeException>(() => BatchLoader.Load(source, new[] { 0, 7 }, 2, new BatchLoaderOptions()));
            Assert.Throws<ArgumentOutOfRangeException>(() => BatchLoader.Load(source, new[] { 0 }, 0, new BatchLoaderOptions()));
        }
    }
}
