using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.LongTail;
using Arbloss.Losses.Sampling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Sampling
{
    public class ClassAwareSamplerTests
    {
        private static readonly long[] Counts = { 40, 17, 8, 3, 1 };

        [Fact]
        public void CountIsLargestClassTimesClasses()
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ClassAwareSampler(labels);
            Assert.Equal(40 * 5, sampler.Count);
            Assert.Equal(sampler.Count, sampler.LongCount());
            Assert.Equal(4, sampler.SamplesPerClassVisit);
        }

        [Fact]
        public void EveryClassIsDrawnEquallyAndItemsEvenly()
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ClassAwareSampler(labels, samplesPerClassVisit: 4, seed: 5);
            var drawn = sampler.ToArray();
            Assert.Equal(new long[] { 40, 40, 40, 40, 40 }, Stats.ClassHistogram(drawn, labels, 5));
            // Each class's stream is a sequence of full shuffles: item counts within a class differ by at most 1.
            var perItem = drawn.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
            for (int c = 0; c < 5; c++)
            {
                var items = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Select(i => perItem.GetValueOrDefault(i)).ToArray();
                Assert.True(items.Max() - items.Min() <= 1, $"class {c}: item counts {string.Join(",", items)}");
            }
        }

        [Fact]
        public void VisitsTakeConsecutiveItemsOfOneClassAndCyclesCoverAllClasses()
        {
            var labels = Stats.Labels(Counts);
            const int spv = 3;
            var drawn = new ClassAwareSampler(labels, spv, seed: 2).Select(i => labels[(int)i]).ToArray();
            for (int v = 0; v < drawn.Length / spv; v++)
                Assert.Single(drawn.Skip(v * spv).Take(spv).Distinct());
            int cycle = spv * 5;
            for (int m = 0; m < drawn.Length / cycle; m++)
            {
                var classes = Enumerable.Range(0, 5).Select(s => drawn[m * cycle + s * spv]).OrderBy(x => x);
                Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, classes);
            }
        }

        [Fact]
        public void EmptyClassesAreSkipped()
        {
            var labels = new long[] { 0, 0, 0, 3, 3, 5 };
            var sampler = new ClassAwareSampler(labels, 1);
            Assert.Equal(3 * 3, sampler.Count);
            Assert.Equal(3, sampler.NonEmptyClasses);
            var h = Stats.ClassHistogram(sampler, labels, 6);
            Assert.Equal(new long[] { 3, 0, 0, 3, 0, 3 }, h);
        }

        [Fact]
        public void DeterministicPerSeedAndEpoch()
        {
            var labels = Stats.Labels(Counts);
            var a = new ClassAwareSampler(labels, seed: 9);
            var b = new ClassAwareSampler(labels, seed: 9);
            var first = a.ToArray();
            Assert.Equal(first, a.ToArray());
            Assert.Equal(first, b.ToArray());
            a.SetEpoch(1);
            Assert.NotEqual(first, a.ToArray());
            Assert.Equal(1, a.Epoch);
            Assert.NotEqual(first, new ClassAwareSampler(labels, seed: 10).ToArray());
            using var e = b.GetEnumerator();
            e.MoveNext();
            e.MoveNext();
            e.Reset();
            Assert.True(e.MoveNext());
            Assert.Equal(first[0], e.Current);
        }

        [Fact]
        public void ClassOrderAndItemChoiceAreUniformAcrossEpochs()
        {
            // Over many epochs: the first visited class is uniform over the classes, and the first item of the
            // smallest multi-item class is uniform over its items (chi-square, z = 5).
            var labels = Stats.Labels(Counts, seed: 4);
            var sampler = new ClassAwareSampler(labels, 1, seed: 123);
            var firstClass = new long[5];
            var firstItemOfClass3 = new Dictionary<long, long>();
            for (int epoch = 0; epoch < 3000; epoch++)
            {
                sampler.SetEpoch(epoch);
                bool seen3 = false;
                bool first = true;
                foreach (var i in sampler)
                {
                    if (first) { firstClass[labels[i]]++; first = false; }
                    if (!seen3 && labels[i] == 3)
                    {
                        firstItemOfClass3[i] = firstItemOfClass3.GetValueOrDefault(i) + 1;
                        seen3 = true;
                        break;
                    }
                }
            }
            Stats.AssertFits(firstClass, Enumerable.Repeat(0.2, 5).ToArray(), "first class");
            Assert.Equal(3, firstItemOfClass3.Count);
            Stats.AssertFits(firstItemOfClass3.Values.ToArray(), new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, "first item of class 3");
        }

        [Fact]
        public void PlugsIntoTorchSharpDataLoader()
        {
            var labels = Stats.Labels(Counts);
            using var features = arange(labels.Length, ScalarType.Float32).unsqueeze(1);
            using var targets = tensor(labels, ScalarType.Int64);
            var sampler = new ClassAwareSampler(labels, seed: 1);
            using var dataset = torch.utils.data.TensorDataset(features, targets);
            using var loader = torch.utils.data.DataLoader(dataset, 16, sampler, disposeDataset: false);
            var histogram = new long[5];
            long rows = 0;
            foreach (var batch in loader)
            {
                var y = batch[1].data<long>().ToArray();
                foreach (var v in y) histogram[v]++;
                rows += y.Length;
            }
            Assert.Equal(sampler.Count, rows);
            Assert.Equal(new long[] { 40, 40, 40, 40, 40 }, histogram);
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            Assert.Throws<ArgumentNullException>("labels", () => new ClassAwareSampler(null!));
            Assert.Throws<ArgumentException>("labels", () => new ClassAwareSampler(Array.Empty<long>()));
            Assert.Throws<ArgumentException>("labels", () => new ClassAwareSampler(new long[] { 0, -1 }));
            Assert.Throws<ArgumentOutOfRangeException>("samplesPerClassVisit", () => new ClassAwareSampler(new long[] { 0 }, 0));
            var s = new ClassAwareSampler(new long[] { 0, 1 });
            Assert.Throws<ArgumentOutOfRangeException>("epoch", () => s.SetEpoch(-1));
            Assert.Throws<ArgumentOutOfRangeException>("worldSize", () => s.SetShard(0, 0));
            Assert.Throws<ArgumentOutOfRangeException>("rank", () => s.SetShard(2, 2));
        }

        [Property(MaxTest = 60)]
        public Property ShardsAreEqualDisjointSlicesOfTheEpoch()
        {
            var gen = Gen.ArrayOf(Gen.Choose(0, 6).Select(x => (long)x)).Where(a => a.Length > 0)
                .SelectMany(labels => Gen.Choose(1, 5).SelectMany(spv => Gen.Choose(1, 5).SelectMany(world =>
                    Gen.Choose(0, 3).Select(epoch => (labels, spv, world, epoch)))));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (labels, spv, world, epoch) = t;
                var whole = new ClassAwareSampler(labels, spv, seed: 3);
                whole.SetEpoch(epoch);
                var expected = whole.ToArray();
                var shards = new List<long[]>();
                for (int r = 0; r < world; r++)
                {
                    var s = new ClassAwareSampler(labels, spv, seed: 3);
                    s.SetEpoch(epoch);
                    s.SetShard(r, world);
                    shards.Add(s.ToArray());
                }
                long count = (expected.Length + world - 1) / world;
                bool equalLengths = shards.All(s => s.Length == count);
                var joined = shards.SelectMany(s => s).ToArray();
                return equalLengths && joined.Take(expected.Length).SequenceEqual(expected);
            });
        }
    }
}
