using System;
using System.Collections.Generic;
using Arbloss.Losses.Sampling;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Reproducible long-tailed subsets of a labelled dataset: keeps a chosen number of items of each class, chosen
    /// uniformly at random without replacement from a seed (as the authors build CIFAR-LT from CIFAR).
    /// </summary>
    public static class LongTailSubset
    {
        /// <summary>
        /// Chooses <c>classCounts[c]</c> items of every class c. Each class's choice depends only on (seed, class), so
        /// changing one class's count leaves the others' choices unchanged.
        /// </summary>
        /// <param name="labels">Class index of each item of the full dataset, in [0, classCounts.Count).</param>
        /// <param name="classCounts">How many items to keep of each class, e.g. from <see cref="LongTailProfile.Exponential"/>.</param>
        /// <param name="seed">Seed of the choice; the same (labels, counts, seed) always give the same indices.</param>
        /// <returns>The chosen item indices, grouped by class in class order and ascending within a class.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">A label is negative or outside the counts' classes, a count is negative,
        /// or a class has fewer items than requested.</exception>
        public static long[] Select(IReadOnlyList<long> labels, IReadOnlyList<long> classCounts, int seed = 0)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            var index = LabelIndex.Build(labels, nameof(labels), classCounts.Count, allowEmpty: true);
            long total = 0;
            for (int c = 0; c < classCounts.Count; c++)
            {
                long want = classCounts[c];
                if (want < 0)
                    throw new ArgumentException($"Class count {c} is {want}; counts must be non-negative.", nameof(classCounts));
                if (want > index.Counts[c])
                    throw new ArgumentException($"Class {c} has {index.Counts[c]} items but {want} were requested; lower the largest class size or the counts.", nameof(classCounts));
                total += want;
            }

            var result = new long[total];
            var scratch = new int[index.MaxCount];
            int written = 0;
            for (int c = 0; c < classCounts.Count; c++)
            {
                int want = (int)classCounts[c];
                if (want == 0) continue;
                int n = index.Counts[c];
                var pool = scratch.AsSpan(0, n);
                index.Items.AsSpan(index.Offsets[c], n).CopyTo(pool);
                var rng = Xoshiro256.Create(seed, c, 0x5E1EC7);
                // Partial Fisher-Yates: the first `want` slots become a uniform sample without replacement.
                for (int i = 0; i < want; i++)
                {
                    int j = i + (int)rng.NextBounded((uint)(n - i));
                    (pool[i], pool[j]) = (pool[j], pool[i]);
                }
                var chosen = pool.Slice(0, want);
                chosen.Sort();
                for (int i = 0; i < want; i++) result[written++] = chosen[i];
            }
            return result;
        }
    }
}
