using System;
using System.Collections.Generic;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Reproducible long-tailed subsets of a labelled dataset: keeps a chosen number of items of each class, chosen
    /// uniformly at random without replacement, index for index as the authors' numpy code builds CIFAR-LT from CIFAR.
    /// </summary>
    public static class LongTailSubset
    {
        /// <summary>
        /// Chooses <c>classCounts[c]</c> items of every class c exactly as the authors' <c>gen_imbalanced_data</c> does:
        /// <c>np.random.seed(seed)</c>, then for each class c = 0, 1, ... in turn
        /// <c>idx = np.where(labels == c)[0]; np.random.shuffle(idx); keep idx[:classCounts[c]]</c>, one random stream
        /// across all classes (see <see cref="NumpyLegacyRandom"/>).
        /// </summary>
        /// <remarks>
        /// Every class shuffles all of its items, also when fewer (or none) are kept, so the draws a class consumes depend
        /// on its size only: a class's choice depends on the seed and the labels, never on the other classes' counts, and
        /// raising a class's count extends its choice (the old choice is a prefix of the new one). A class with no items
        /// consumes no draws. The authors pair counts with the classes present in the labels (<c>np.unique</c>); here
        /// count c always belongs to class c, which is the same whenever every class has at least one item.
        /// </remarks>
        /// <param name="labels">Class index of each item of the full dataset, in [0, classCounts.Count).</param>
        /// <param name="classCounts">How many items to keep of each class, e.g. from <see cref="LongTailProfile.Exponential"/>.</param>
        /// <param name="seed">numpy's seed (the authors' <c>rand_number</c>, 0 by default), at least 0; the same
        /// (labels, counts, seed) always give the same indices.</param>
        /// <returns>The chosen item indices, class by class in class order, and within a class in numpy's shuffled
        /// order (not sorted).</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is negative.</exception>
        /// <exception cref="ArgumentException">A label is negative or outside the counts' classes, a count is negative,
        /// or a class has fewer items than requested.</exception>
        public static long[] Select(IReadOnlyList<long> labels, IReadOnlyList<long> classCounts, int seed = 0)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            if (seed < 0)
                throw new ArgumentOutOfRangeException(nameof(seed), seed, "The seed must be at least 0 (numpy accepts 0 .. 2^32 - 1).");
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

            var rng = new NumpyLegacyRandom((uint)seed);
            var result = new long[total];
            var scratch = new int[index.MaxCount];
            int written = 0;
            for (int c = 0; c < classCounts.Count; c++)
            {
                int n = index.Counts[c];
                // np.where(labels == c)[0]: the class's items in ascending order; numpy shuffles all of them.
                var pool = scratch.AsSpan(0, n);
                index.Items.AsSpan(index.Offsets[c], n).CopyTo(pool);
                rng.Shuffle(pool);
                int want = (int)classCounts[c];
                for (int i = 0; i < want; i++) result[written++] = pool[i];
            }
            return result;
        }
    }
}
