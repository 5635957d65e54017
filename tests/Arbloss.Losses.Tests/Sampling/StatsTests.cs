using System;
using System.Linq;
using Xunit;
using Xunit.Sdk;

namespace Arbloss.Losses.Tests.Sampling
{
    /// <summary>The goodness-of-fit helper itself: it must reject what a broken sampler produces, and never pass by skipping.</summary>
    public class StatsTests
    {
        [Theory]
        // Table values of the chi-square distribution at tail probability 0.001 (z = 3.0902); the lower tail is checked
        // only where the approximation is meant to hold (large df).
        [InlineData(5, 20.515, 0.2102)]
        [InlineData(10, 29.588, 1.4787)]
        [InlineData(50, 86.661, 24.674)]
        public void WilsonHilfertyQuantilesMatchTheTable(int df, double upper, double lower)
        {
            Assert.Equal(upper, Stats.ChiSquareQuantile(df, 3.0902), upper * 0.02);
            if (df >= 50) Assert.Equal(lower, Stats.ChiSquareQuantile(df, -3.0902), lower * 0.02);
            Assert.True(Stats.ChiSquareQuantile(df, 5) > upper);
            Assert.Equal(0, Stats.ChiSquareQuantile(1, -5));
        }

        [Fact]
        public void AcceptsGenuineMultinomialSamples()
        {
            var p = new[] { 0.5, 0.25, 0.125, 0.125, 0.0 };
            var rng = new Random(17);
            var observed = new long[p.Length];
            for (int i = 0; i < 20_000; i++)
            {
                double u = rng.NextDouble();
                int c = u < 0.5 ? 0 : u < 0.75 ? 1 : u < 0.875 ? 2 : 3;
                observed[c]++;
            }
            Stats.AssertFits(observed, p, "multinomial");
            var items = new long[60];
            for (int i = 0; i < 12_000; i++) items[rng.Next(60)]++;
            Stats.AssertFits(items, Enumerable.Repeat(1 / 60.0, 60).ToArray(), "uniform items");
        }

        [Fact]
        public void RejectsBiasedCounts()
        {
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 5300, 4700 }, new[] { 0.5, 0.5 }, "biased"));
            // Drawn in a cell of probability 0.
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 500, 499, 1 }, new[] { 0.5, 0.5, 0.0 }, "impossible"));
        }

        [Fact]
        public void RejectsCountsTooEvenToBeRandom()
        {
            // A round-robin over 60 items gives exactly equal counts: chi-square 0, impossible for independent draws.
            var equal = Enumerable.Repeat(200L, 60).ToArray();
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(equal, Enumerable.Repeat(1 / 60.0, 60).ToArray(), "round-robin"));
        }

        [Fact]
        public void NeverPassesBySkipping()
        {
            // One possible cell: no degrees of freedom, nothing to test.
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 0, 40, 0 }, new[] { 0.0, 1.0, 0.0 }, "one cell"));
            // Probabilities that do not sum to 1 would give the wrong expected counts.
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 50, 50 }, new[] { 1.0, 1.0 }, "unnormalised"));
            // Too few draws for chi-square.
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 3, 2, 3 }, new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, "few draws"));
            // Cells and probabilities must correspond.
            Assert.ThrowsAny<XunitException>(() => Stats.AssertFits(new long[] { 50, 50 }, new[] { 0.25, 0.25, 0.5 }, "mismatch"));
        }
    }
}
