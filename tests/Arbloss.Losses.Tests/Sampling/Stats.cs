using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Arbloss.Losses.Tests.Sampling
{
    /// <summary>Goodness-of-fit checks for samplers: deterministic seeds, bounds far in the tail so they are not flaky.</summary>
    internal static class Stats
    {
        /// <summary>Pearson's chi-square statistic of observed counts against probabilities (cells with p = 0 must be empty).</summary>
        public static double ChiSquare(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities, out int degreesOfFreedom)
        {
            Assert.True(observed.Count == probabilities.Count, $"{observed.Count} observed cells for {probabilities.Count} probabilities");
            long n = observed.Sum();
            double chi = 0;
            int cells = 0;
            for (int i = 0; i < observed.Count; i++)
            {
                if (probabilities[i] == 0)
                {
                    Assert.True(observed[i] == 0, $"cell {i} has probability 0 but was drawn {observed[i]} times");
                    continue;
                }
                double e = n * probabilities[i];
                chi += (observed[i] - e) * (observed[i] - e) / e;
                cells++;
            }
            degreesOfFreedom = cells - 1;
            return chi;
        }

        /// <summary>
        /// Quantile of chi-square with <paramref name="df"/> degrees of freedom at standard-normal level
        /// <paramref name="z"/> (Wilson-Hilferty): z = 5 is the upper tail probability of about 3e-7, z = -5 the lower one
        /// (0 where the approximation goes below 0).
        /// </summary>
        public static double ChiSquareQuantile(int df, double z = 5)
        {
            if (df < 1) throw new ArgumentOutOfRangeException(nameof(df), df, "Chi-square needs at least one degree of freedom.");
            double a = 2.0 / (9.0 * df);
            double root = 1 - a + z * Math.Sqrt(a);
            return root <= 0 ? 0 : df * Math.Pow(root, 3);
        }

        /// <summary>
        /// Asserts that the observed counts are a plausible multinomial sample of the probabilities: chi-square with
        /// (cells of positive probability - 1) degrees of freedom strictly between its z = -5 and z = 5 quantiles. The
        /// check always runs: it fails, rather than passing silently, when fewer than two cells can be drawn, when the
        /// probabilities do not sum to 1, or when a cell expects fewer than 5 draws (chi-square would not apply). The lower
        /// bound catches draws that are too even to be random (e.g. a round-robin where independent draws are promised).
        /// </summary>
        public static void AssertFits(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities, string what)
        {
            double total = probabilities.Sum();
            Assert.True(Math.Abs(total - 1) < 1e-9, $"{what}: the probabilities sum to {total:R}, not 1");
            Assert.True(probabilities.All(p => p >= 0 && double.IsFinite(p)), $"{what}: a probability is negative or not finite");
            double chi = ChiSquare(observed, probabilities, out int df);
            Assert.True(df >= 1, $"{what}: a goodness-of-fit test needs at least two cells of positive probability, got {df + 1}");
            long n = observed.Sum();
            double smallest = probabilities.Where(p => p > 0).Min() * n;
            Assert.True(smallest >= 5, $"{what}: a cell expects {smallest:F2} draws; chi-square needs at least 5, draw more");
            double upper = ChiSquareQuantile(df, 5), lower = ChiSquareQuantile(df, -5);
            Assert.True(chi < upper, $"{what}: chi-square {chi:F1} with {df} degrees of freedom exceeds {upper:F1}");
            Assert.True(chi > lower, $"{what}: chi-square {chi:F3} with {df} degrees of freedom is below {lower:F3}: too even to be random");
        }

        /// <summary>How often each class occurs among the labels of the drawn items.</summary>
        public static long[] ClassHistogram(IEnumerable<long> items, IReadOnlyList<long> labels, int numClasses)
        {
            var h = new long[numClasses];
            foreach (var i in items) h[labels[(int)i]]++;
            return h;
        }

        /// <summary>A long-tailed label list: class c has counts[c] items, shuffled deterministically.</summary>
        public static long[] Labels(IReadOnlyList<long> counts, int seed = 1)
        {
            var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, (int)n)).ToArray();
            new Random(seed).Shuffle(labels);
            return labels;
        }
    }
}
