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
        /// <summary>A balanced CIFAR-10-like label list: 10 classes x perClass, interleaved as in the real files.</summary>
        private static long[] BalancedLabels(int classes, int perClass) =>
            Enumerable.Range(0, classes * perClass).Select(i => (long)(i % classes)).ToArray();

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
            // Grouped by class, ascending within a class.
            for (int i = 1; i < chosen.Length; i++)
            {
                long a = labels[chosen[i - 1]], b = labels[chosen[i]];
                Assert.True(a < b || (a == b && chosen[i - 1] < chosen[i]));
            }
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
        public void AClassChoiceDoesNotDependOnOtherClassesCounts()
        {
            var labels = BalancedLabels(3, 100);
            var a = LongTailSubset.Select(labels, new long[] { 10, 20, 30 }, 1);
            var b = LongTailSubset.Select(labels, new long[] { 10, 5, 30 }, 1);
            Assert.Equal(a.Where(i => labels[i] == 2), b.Where(i => labels[i] == 2));
            Assert.Equal(a.Where(i => labels[i] == 0), b.Where(i => labels[i] == 0));
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
        }

        [Property(MaxTest = 100)]
        public Property SelectsExactlyTheRequestedCounts()
        {
            var gen = Gen.Choose(1, 6).SelectMany(c =>
                Gen.ArrayOf(Gen.Choose(0, c - 1).Select(x => (long)x), 60).SelectMany(labels =>
                    Gen.Choose(0, 1000).Select(seed => (c, labels, seed))));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (c, labels, seed) = t;
                var available = ClassFrequency.Count(labels, c);
                var want = available.Select((n, i) => n * (i + 1) / (c + 1)).ToArray();
                var chosen = LongTailSubset.Select(labels, want, seed);
                var got = ClassFrequency.Count(chosen.Select(i => labels[i]).ToArray(), c);
                return got.SequenceEqual(want) && chosen.Distinct().Count() == chosen.Length;
            });
        }
    }
}
