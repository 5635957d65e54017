using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.LongTail;
using Arbloss.Losses.Sampling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.Sampling
{
    public class ClassWeightedSamplerTests
    {
        // A CIFAR-10-LT profile scaled down, with an empty class 5 inserted in the middle.
        private static readonly long[] Counts = InsertEmpty(LongTailProfile.Exponential(10, 500, 0.01), 5);

        private static long[] InsertEmpty(long[] counts, int at) => counts.Take(at).Append(0L).Concat(counts.Skip(at)).ToArray();

        private static double[] Normalise(IEnumerable<double> x)
        {
            var a = x.ToArray();
            double s = a.Sum();
            return a.Select(v => v / s).ToArray();
        }

        public static IEnumerable<object[]> Schemes()
        {
            yield return new object[] { "inverse" };
            yield return new object[] { "sqrt" };
            yield return new object[] { "effective" };
        }

        private static (ClassWeightedSampler sampler, double[] intended) Build(string scheme, long[] labels, long? numSamples, int seed)
        {
            return scheme switch
            {
                "inverse" => (ClassWeightedSampler.InverseFrequency(labels, numSamples, seed),
                    Normalise(Counts.Select(n => n > 0 ? 1.0 : 0.0))),
                "sqrt" => (ClassWeightedSampler.SquareRootFrequency(labels, numSamples, seed),
                    Normalise(Counts.Select(n => Math.Sqrt(n)))),
                _ => (ClassWeightedSampler.EffectiveNumber(labels, 0.999, numSamples, seed),
                    Normalise(Counts.Select(n => n > 0 ? n * (1 - 0.999) / (1 - Math.Pow(0.999, n)) : 0.0))),
            };
        }

        [Theory]
        [MemberData(nameof(Schemes))]
        public void EmpiricalClassDistributionMatchesTheIntendedOne(string scheme)
        {
            var labels = Stats.Labels(Counts);
            var (sampler, intended) = Build(scheme, labels, 40_000, seed: 11);
            Numerics.AssertClose(intended, sampler.ClassProbabilities.ToArray(), 1e-12, 1e-15, "probabilities");
            var pooled = new long[Counts.Length];
            for (int epoch = 0; epoch < 10; epoch++)
            {
                sampler.SetEpoch(epoch);
                var h = Stats.ClassHistogram(sampler, labels, Counts.Length);
                Stats.AssertFits(h, intended, $"{scheme}, epoch {epoch}");
                for (int c = 0; c < h.Length; c++) pooled[c] += h[c];
            }
            Stats.AssertFits(pooled, intended, $"{scheme}, pooled over 400,000 draws");
            Assert.Equal(0, pooled[5]);
        }

        [Fact]
        public void ItemsAreUniformWithinAClass()
        {
            var labels = Stats.Labels(Counts);
            var sampler = ClassWeightedSampler.InverseFrequency(labels, 100_000, seed: 2);
            var itemsOfClass2 = Enumerable.Range(0, labels.Length).Where(i => labels[i] == 2).ToArray();
            Assert.True(itemsOfClass2.Length > 50);
            var hits = itemsOfClass2.ToDictionary(i => (long)i, _ => 0L);
            foreach (var i in sampler) if (labels[i] == 2) hits[i]++;
            Stats.AssertFits(hits.Values.ToArray(), Enumerable.Repeat(1.0 / itemsOfClass2.Length, itemsOfClass2.Length).ToArray(), "items of class 2");
        }

        [Fact]
        public void CustomWeightsAndZeroWeightClasses()
        {
            var labels = new long[] { 0, 0, 1, 1, 1, 1, 2 };
            var sampler = new ClassWeightedSampler(labels, new[] { 1.0, 0.0, 2.0 }, 30_000, seed: 4);
            Assert.Equal(new[] { 0.5, 0.0, 0.5 }, sampler.ClassProbabilities);
            var h = Stats.ClassHistogram(sampler, labels, 3);
            Assert.Equal(0, h[1]);
            Stats.AssertFits(h, new[] { 0.5, 0.0, 0.5 }, "custom");
            Assert.Equal(labels.Length, new ClassWeightedSampler(labels, new[] { 1.0, 1, 1 }).Count);
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            var labels = new long[] { 0, 1, 1 };
            Assert.Throws<ArgumentNullException>("classWeights", () => new ClassWeightedSampler(labels, null!));
            Assert.Throws<ArgumentNullException>("labels", () => new ClassWeightedSampler(null!, new[] { 1.0, 1 }));
            Assert.Throws<ArgumentException>("labels", () => new ClassWeightedSampler(labels, new[] { 1.0 }));
            Assert.Throws<ArgumentException>("classWeights", () => new ClassWeightedSampler(labels, new[] { 1.0, -1 }));
            Assert.Throws<ArgumentException>("classWeights", () => new ClassWeightedSampler(labels, new[] { 1.0, double.NaN }));
            Assert.Throws<ArgumentException>("classWeights", () => new ClassWeightedSampler(labels, new[] { 0.0, 0 }));
            Assert.Throws<ArgumentException>("classWeights", () => new ClassWeightedSampler(labels, Array.Empty<double>()));
            Assert.Throws<ArgumentOutOfRangeException>("numSamples", () => new ClassWeightedSampler(labels, new[] { 1.0, 1 }, 0));
            Assert.Throws<ArgumentException>("labels", () => ClassWeightedSampler.InverseFrequency(Array.Empty<long>()));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => ClassWeightedSampler.EffectiveNumber(labels, 1.0));
        }

        [Property(MaxTest = 60)]
        public Property ShardsAreEqualDisjointSlicesOfTheEpoch()
        {
            // Lengths around the 4096-position block size exercise jumps into the middle of a block.
            var gen = Gen.Choose(1, 9000).SelectMany(n => Gen.Choose(1, 6).SelectMany(world =>
                Gen.Choose(0, 5).Select(epoch => (n, world, epoch))));
            var labels = Stats.Labels(new long[] { 50, 20, 5, 1 });
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (n, world, epoch) = t;
                var whole = ClassWeightedSampler.SquareRootFrequency(labels, n, seed: 8);
                whole.SetEpoch(epoch);
                var expected = whole.ToArray();
                var joined = new List<long>();
                bool equal = true;
                for (int r = 0; r < world; r++)
                {
                    var s = ClassWeightedSampler.SquareRootFrequency(labels, n, seed: 8);
                    s.SetEpoch(epoch);
                    s.SetShard(r, world);
                    var part = s.ToArray();
                    equal &= part.Length == s.Count && s.Count == (n + world - 1) / world;
                    joined.AddRange(part);
                }
                return equal && joined.Take(n).SequenceEqual(expected);
            });
        }
    }
}
