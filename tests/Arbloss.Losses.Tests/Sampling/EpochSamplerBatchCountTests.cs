using System;
using System.Linq;
using Arbloss.Losses.Sampling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Sampling
{
    /// <summary><see cref="EpochSampler.BatchCount"/> against the batches TorchSharp's real <c>DataLoader</c> yields.</summary>
    public class EpochSamplerBatchCountTests
    {
        private static readonly long[] Counts = { 40, 17, 8, 3, 1 };

        /// <summary>Enumerates a real DataLoader over a 69-item dataset drawing from <paramref name="sampler"/>:
        /// the batches it yields, the rows they hold, and the loader's own Count.</summary>
        private static (long Batches, long Rows, long LoaderCount) Load(EpochSampler sampler, long items, int batchSize, bool dropLast)
        {
            using var scope = NewDisposeScope();
            var features = arange(items, ScalarType.Float32).unsqueeze(1);
            var targets = zeros(items, ScalarType.Int64);
            using var dataset = torch.utils.data.TensorDataset(features, targets);
            using var loader = torch.utils.data.DataLoader(dataset, batchSize, sampler, drop_last: dropLast, disposeDataset: false);
            long batches = 0, rows = 0;
            foreach (var batch in loader)
            {
                batches++;
                long size = batch[0].shape[0];
                Assert.True(size >= 1 && size <= batchSize, $"batch of {size} rows");
                rows += size;
            }
            return (batches, rows, loader.Count);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(16)]
        [InlineData(50)]   // divides the epoch's 200 indices
        [InlineData(200)]
        [InlineData(201)]
        public void ClassAwareEpochIsLongerThanTheDatasetAndBatchCountIsWhatTheLoaderYields(int batchSize)
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ClassAwareSampler(labels, seed: 3);
            Assert.Equal(200, sampler.Count);
            foreach (var dropLast in new[] { false, true })
            {
                var (batches, rows, _) = Load(sampler, labels.Length, batchSize, dropLast);
                Assert.Equal(batches, sampler.BatchCount(batchSize, dropLast));
                Assert.Equal(dropLast ? batches * batchSize : sampler.Count, rows);
            }
            // The literal numbers, so that a formula which agrees with a wrong loader count cannot pass.
            Assert.Equal((200 + batchSize - 1) / batchSize, sampler.BatchCount(batchSize));
            Assert.Equal(200 / batchSize, sampler.BatchCount(batchSize, dropLast: true));
        }

        [Fact]
        public void TheLoadersOwnCountFollowsTheDatasetNotTheSampler()
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ClassAwareSampler(labels, seed: 3);
            var (batches, _, loaderCount) = Load(sampler, labels.Length, 16, dropLast: false);
            Assert.Equal(13, batches);                      // ceil(200 / 16)
            Assert.Equal(5, loaderCount);                   // ceil(69 / 16): TorchSharp counts the dataset
            Assert.Equal(13, sampler.BatchCount(16));
        }

        [Fact]
        public void ShardedAndShorterEpochs()
        {
            var labels = Stats.Labels(Counts);
            var longer = ClassWeightedSampler.InverseFrequency(labels, numSamples: 1000, seed: 1);
            longer.SetShard(1, 3);
            Assert.Equal(334, longer.Count);
            var shorter = new ProgressivelyBalancedSampler(labels, totalEpochs: 4, numSamples: 30, seed: 2);
            foreach (var (sampler, batchSize) in new (EpochSampler, int)[] { (longer, 32), (longer, 334), (shorter, 8), (shorter, 64) })
            {
                foreach (var dropLast in new[] { false, true })
                    Assert.Equal(Load(sampler, labels.Length, batchSize, dropLast).Batches, sampler.BatchCount(batchSize, dropLast));
            }
            Assert.Equal(11, longer.BatchCount(32));
            Assert.Equal(10, longer.BatchCount(32, dropLast: true));
            Assert.Equal(0, shorter.BatchCount(64, dropLast: true));
        }

        [Property(MaxTest = 40)]
        public Property MatchesTheLoaderForAnyLabelsBatchSizeShardAndDropLast()
        {
            var gen = Gen.ArrayOf(Gen.Choose(0, 5).Select(x => (long)x)).Where(a => a.Length > 0)
                .SelectMany(labels => Gen.Choose(1, 40).SelectMany(batchSize => Gen.Choose(1, 3).SelectMany(world =>
                    Gen.Elements(false, true).Select(dropLast => (labels, batchSize, world, dropLast)))));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (labels, batchSize, world, dropLast) = t;
                var sampler = new ClassAwareSampler(labels, samplesPerClassVisit: 2, seed: 5);
                sampler.SetShard(world - 1, world);
                var (batches, rows, _) = Load(sampler, labels.Length, batchSize, dropLast);
                return batches == sampler.BatchCount(batchSize, dropLast) && rows == (dropLast ? batches * batchSize : sampler.Count);
            });
        }

        [Fact]
        public void BatchSizeBelowOneThrows()
        {
            var sampler = new ClassAwareSampler(new long[] { 0, 1 });
            var e = Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => sampler.BatchCount(0));
            Assert.Contains("DataLoader", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => sampler.BatchCount(-4, dropLast: true));
        }
    }
}
