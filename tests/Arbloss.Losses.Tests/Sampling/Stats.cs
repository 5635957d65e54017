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
        /// Upper quantile of chi-square with <paramref name="df"/> degrees of freedom at standard-normal level
        /// <paramref name="z"/> (Wilson-Hilferty); z = 5 is a tail probability of about 3e-7.
        /// </summary>
        public static double ChiSquareQuantile(int df, double z = 5)
        {
            double a = 2.0 / (9.0 * df);
            return df * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
        }

        /// <summary>Asserts that the observed counts fit the probabilities (chi-square below the z = 5 quantile).</summary>
        public static void AssertFits(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities, string what)
        {
            double chi = ChiSquare(observed, probabilities, out int df);
            if (df < 1) return;
            double bound = ChiSquareQuantile(df);
            Assert.True(chi < bound, $"{what}: chi-square {chi:F1} with {df} degrees of freedom exceeds {bound:F1}");
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
