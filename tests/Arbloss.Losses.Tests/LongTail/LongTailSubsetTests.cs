using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.LongTail;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.LongTail
{
    public class LongTailSubsetTests
    {
        /// <summary>A balanced CIFAR-10-like label list: classes x perClass, interleaved.</summary>
        private static long[] BalancedLabels(int classes, int perClass) =>
            Enumerable.Range(0, classes * perClass).Select(i => (long)(i % classes)).ToArray();

        public static IEnumerable<object[]> CaseNames() => SubsetFixture.Cases.Select(c => new object[] { c.Name });

        [Fact]
        public void FixtureHoldsTheExpectedCases()
        {
            var expected = new List<string>();
            foreach (var imb in new[] { "0.01", "0.02", "0.1" })
                foreach (var seed in new[] { 0, 1, 42, 12345 })
                    expected.Add($"cifar10-exp-{imb}-seed{seed}");
            expected.Add("cifar100-exp-0.01-seed0");
            expected.Add("cifar100-exp-0.01-seed7");
            expected.Add("cifar10-zero-counts-seed3");
            Assert.Equal(expected, SubsetFixture.Cases.Select(c => c.Name));
            // The authors' default seed 0 is stored in full.
            Assert.All(SubsetFixture.Cases, c => Assert.Equal(c.Seed == 0, c.Indices is not null));
        }

        [Theory]
        [MemberData(nameof(CaseNames))]
        public void SelectEqualsNumpy(string name)
        {
            var c = SubsetFixture.Case(name);
            if (c.ImbFactor is double f)
                Assert.Equal(c.Counts, LongTailProfile.Exponential(c.Classes, c.PerClass, f));
            var labels = SubsetFixture.Labels(c.Classes, c.PerClass);
            var chosen = LongTailSubset.Select(labels, c.Counts, c.Seed);

            Assert.Equal(c.Length, chosen.Length);
            if (c.Indices is not null) Assert.Equal(c.Indices, chosen);
            long offset = 0;
            for (int k = 0; k < c.Classes; k++)
            {
                var first = c.FirstPerClass[k];
                Assert.Equal(first, chosen.Skip((int)offset).Take(first.Length));
                offset += c.Counts[k];
            }
            Assert.Equal(c.Hash, SubsetFixture.Hash(chosen));
        }

        [Fact]
        public void FixtureLabelsAreBalancedAndNotInterleavedRegularly()
        {
            var labels = SubsetFixture.Labels(10, 5000);
            Assert.Equal(Enumerable.Repeat(5000L, 10), ClassFrequency.Count(labels, 10));
            Assert.NotEqual(BalancedLabels(10, 5000), labels);
        }

        [Fact]
        public void SelectsTheProfileFromABalancedSet()
        {
            var labels = BalancedLabels(10, 500);
            var profile = LongTailProfile.Exponential(10, 500, 0.01);
            var chosen = LongTailSubset.Select(labels, profile, seed: 3);
            Assert.Equal(profile.Sum(), chosen.Length);
            Assert.Equal(chosen.Length, chosen.Distinct().Count());
            var counts = ClassFrequency.Count(chosen.Select(i => labels[i]).ToArray(), 10);
            Assert.Equal(profile, counts);
            // Grouped by class in class order; shuffled (not sorted) within a class.
            for (int i = 1; i < chosen.Length; i++) Assert.True(labels[chosen[i - 1]] <= labels[chosen[i]]);
            var class0 = chosen.Take((int)profile[0]).ToArray();
            Assert.NotEqual(class0.OrderBy(x => x), class0);
        }

        [Fact]
        public void IsReproducibleAndSeedDependent()
        {
            var labels = BalancedLabels(5, 200);
            var profile = new long[] { 100, 50, 20, 10, 5 };
            Assert.Equal(LongTailSubset.Select(labels, profile, 7), LongTailSubset.Select(labels, profile, 7));
            Assert.NotEqual(LongTailSubset.Select(labels, profile, 7), LongTailSubset.Select(labels, profile, 8));
        }

        [Fact]
        public void DefaultSeedIsZero()
        {
            var labels = BalancedLabels(3, 40);
            var counts = new long[] { 40, 20, 10 };
            Assert.Equal(LongTailSubset.Select(labels, counts, 0), LongTailSubset.Select(labels, counts));
        }

        [Fact]
        public void AClassChoiceDoesNotDependOnOtherClassesCounts()
        {
            // Every class shuffles all its items whatever its count, so the stream each class sees is unchanged.
            var labels = BalancedLabels(3, 100);
            var a = LongTailSubset.Select(labels, new long[] { 10, 20, 30 }, 1);
            var b = LongTailSubset.Select(labels, new long[] { 10, 0, 30 }, 1);
            Assert.Equal(a.Where(i => labels[i] == 2), b.Where(i => labels[i] == 2));
            Assert.Equal(a.Where(i => labels[i] == 0), b.Where(i => labels[i] == 0));
            Assert.DoesNotContain(b, i => labels[i] == 1);
        }

        [Fact]
        public void ClassesWithoutItemsAreAllowedWithZeroCounts()
        {
            var labels = new long[] { 0, 2, 0, 2, 2, 0 };
            var chosen = LongTailSubset.Select(labels, new long[] { 2, 0, 3, 0 }, 5);
            Assert.Equal(5, chosen.Length);
            Assert.Subset(new HashSet<long> { 0, 2, 5 }, chosen.Take(2).ToHashSet());
            Assert.Equal(2, chosen.Take(2).Distinct().Count());
            Assert.Equal(new long[] { 1, 3, 4 }, chosen.Skip(2).OrderBy(x => x));
            Assert.Empty(LongTailSubset.Select(Array.Empty<long>(), new long[] { 0, 0 }));
        }

        [Fact]
        public void ChoiceIsUniformWithinAClass()
        {
            // Choose 10 of 50 items of one class under 2000 seeds: every item should be chosen ~400 times.
            var labels = new long[50];
            var hits = new int[50];
            const int seeds = 2000;
            for (int s = 0; s < seeds; s++)
                foreach (var i in LongTailSubset.Select(labels, new long[] { 10 }, s)) hits[i]++;
            double expected = seeds * 10 / 50.0;
            double p = 10 / 50.0;
            // Per-item binomial bound at 5 standard deviations (deterministic seeds, not flaky).
            double bound = 5 * Math.Sqrt(seeds * p * (1 - p));
            Assert.All(hits, h => Assert.InRange(h, expected - bound, expected + bound));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            var labels = BalancedLabels(3, 10);
            Assert.Throws<ArgumentNullException>("labels", () => LongTailSubset.Select(null!, new long[] { 1, 1, 1 }));
            Assert.Throws<ArgumentNullException>("classCounts", () => LongTailSubset.Select(labels, null!));
            var ex = Assert.Throws<ArgumentException>("classCounts", () => LongTailSubset.Select(labels, new long[] { 11, 1, 1 }));
            Assert.Contains("10 items", ex.Message);
            Assert.Throws<ArgumentException>("classCounts", () => LongTailSubset.Select(labels, new long[] { -1, 1, 1 }));
            Assert.Throws<ArgumentException>("labels", () => LongTailSubset.Select(labels, new long[] { 1, 1 }));
            Assert.Throws<ArgumentException>("labels", () => LongTailSubset.Select(new long[] { 0, -2 }, new long[] { 1 }));
            Assert.Throws<ArgumentOutOfRangeException>("seed", () => LongTailSubset.Select(labels, new long[] { 1, 1, 1 }, -1));
            Assert.Throws<ArgumentOutOfRangeException>("seed", () => LongTailSubset.Select(labels, new long[] { 1, 1, 1 }, int.MinValue));
        }

        /// <summary>Random label lists (some classes may be empty), counts at most each class's size, and a seed.</summary>
        private static Gen<(int Classes, long[] Labels, long[] Counts, int Seed)> Problems() =>
            Gen.Choose(1, 6).SelectMany(c =>
                Gen.Choose(0, 80).SelectMany(n =>
                    Gen.ArrayOf(Gen.Choose(0, c - 1).Select(x => (long)x), n).SelectMany(labels =>
                    {
                        var available = ClassFrequency.Count(labels, c);
                        return Gen.ArrayOf(Gen.Choose(0, 1000), c).SelectMany(fractions =>
                            Gen.Choose(0, int.MaxValue).Select(seed =>
                                (c, labels, available.Select((a, k) => a * fractions[k] / 1000).ToArray(), seed)));
                    })));

        private static bool IsClassByClassSubset(long[] labels, long[] counts, long[] chosen, bool full)
        {
            if (chosen.Length != counts.Sum()) return false;
            int offset = 0;
            for (int c = 0; c < counts.Length; c++)
            {
                var part = chosen.Skip(offset).Take((int)counts[c]).ToArray();
                offset += part.Length;
                var pool = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Select(i => (long)i).ToArray();
                if (part.Any(i => i < 0 || i >= labels.Length || labels[i] != c)) return false;
                if (part.Distinct().Count() != part.Length) return false;
                if (full && !part.OrderBy(x => x).SequenceEqual(pool)) return false;
            }
            return true;
        }

        [Property(MaxTest = 150)]
        public Property EachClassIsADuplicateFreeSubsetOfTheRequestedSizeInClassOrder() =>
            Prop.ForAll(Problems().ToArbitrary(), t =>
                IsClassByClassSubset(t.Labels, t.Counts, LongTailSubset.Select(t.Labels, t.Counts, t.Seed), full: false));

        [Property(MaxTest = 100)]
        public Property FullCountsGiveAPermutationOfEachClass() =>
            Prop.ForAll(Problems().ToArbitrary(), t =>
            {
                var full = ClassFrequency.Count(t.Labels, t.Classes);
                return IsClassByClassSubset(t.Labels, full, LongTailSubset.Select(t.Labels, full, t.Seed), full: true);
            });

        [Property(MaxTest = 100)]
        public Property IsDeterministic() =>
            Prop.ForAll(Problems().ToArbitrary(), t =>
                LongTailSubset.Select(t.Labels, t.Counts, t.Seed).SequenceEqual(LongTailSubset.Select(t.Labels.ToList(), t.Counts.ToList(), t.Seed)));

        [Property(MaxTest = 100)]
        public Property RaisingCountsExtendsEachClassChoice() =>
            Prop.ForAll(Problems().ToArbitrary(), t =>
            {
                var full = ClassFrequency.Count(t.Labels, t.Classes);
                var small = LongTailSubset.Select(t.Labels, t.Counts, t.Seed);
                var large = LongTailSubset.Select(t.Labels, full, t.Seed);
                int a = 0, b = 0;
                for (int c = 0; c < t.Classes; c++)
                {
                    if (!small.Skip(a).Take((int)t.Counts[c]).SequenceEqual(large.Skip(b).Take((int)t.Counts[c]))) return false;
                    a += (int)t.Counts[c];
                    b += (int)full[c];
                }
                return true;
            });
    }
}
