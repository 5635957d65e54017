using System;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Re-maps class labels by descending training frequency, as the authors do: new label 0 is the most frequent
    /// training class, new label C-1 the rarest. Ties keep ascending original label order. Build it from the training
    /// labels and apply the same map to the test labels. The ordering is the package's
    /// <see cref="ClassFrequency.DescendingFrequencyMap"/>; this type adds the inverse map, the re-ordered counts and
    /// checks that name the list file's problem.
    /// </summary>
    public sealed class ClassFrequencyMap
    {
        private readonly int[] _originalToNew;
        private readonly int[] _newToOriginal;
        private readonly long[] _counts;

        private ClassFrequencyMap(int[] originalToNew, int[] newToOriginal, long[] counts)
        {
            _originalToNew = originalToNew;
            _newToOriginal = newToOriginal;
            _counts = counts;
        }

        /// <summary>Builds the map from the training labels.</summary>
        /// <param name="trainingLabels">Original labels of every training sample.</param>
        /// <param name="numClasses">Number of classes; when null, the largest label + 1. Classes without training
        /// samples get count 0 and the last new labels.</param>
        /// <returns>The map.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="trainingLabels"/> is null.</exception>
        /// <exception cref="ArgumentException">There are no labels, a label is negative, or a label is not below <paramref name="numClasses"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        public static ClassFrequencyMap FromTrainingLabels(IEnumerable<int> trainingLabels, int? numClasses = null)
        {
            if (trainingLabels is null) throw new ArgumentNullException(nameof(trainingLabels));
            if (numClasses is < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            var counts = new List<long>();
            var any = false;
            foreach (var label in trainingLabels)
            {
                if (label < 0) throw new ArgumentException($"Training label {label} is negative; labels must be non-negative class indices.", nameof(trainingLabels));
                if (numClasses is int c && label >= c)
                    throw new ArgumentException($"Training label {label} is out of range [0, {c}); pass the right number of classes.", nameof(trainingLabels));
                while (counts.Count <= label) counts.Add(0);
                counts[label]++;
                any = true;
            }
            if (!any) throw new ArgumentException("There are no training labels to count.", nameof(trainingLabels));
            var total = numClasses ?? counts.Count;
            while (counts.Count < total) counts.Add(0);
            return FromCounts(counts.ToArray());
        }

        /// <summary>Builds the map from per-class training counts indexed by original label.</summary>
        /// <param name="countsByOriginalLabel">Training count of each original class; its length is the number of classes.</param>
        /// <returns>The map.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="countsByOriginalLabel"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        public static ClassFrequencyMap FromCounts(IReadOnlyList<long> countsByOriginalLabel)
        {
            if (countsByOriginalLabel is null) throw new ArgumentNullException(nameof(countsByOriginalLabel));
            var n = countsByOriginalLabel.Count;
            if (n == 0) throw new ArgumentException("At least one class count is needed.", nameof(countsByOriginalLabel));
            long sum = 0;
            for (var i = 0; i < n; i++)
            {
                if (countsByOriginalLabel[i] < 0)
                    throw new ArgumentException($"The count of class {i} is negative ({countsByOriginalLabel[i]}).", nameof(countsByOriginalLabel));
                sum += countsByOriginalLabel[i];
            }
            if (sum == 0) throw new ArgumentException("All class counts are zero.", nameof(countsByOriginalLabel));
            var originalToNew = ClassFrequency.DescendingFrequencyMap(countsByOriginalLabel);
            var order = new int[n];
            var counts = new long[n];
            for (var original = 0; original < n; original++)
            {
                order[originalToNew[original]] = original;
                counts[originalToNew[original]] = countsByOriginalLabel[original];
            }
            return new ClassFrequencyMap(originalToNew, order, counts);
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _counts.Length;

        /// <summary>Training count of each class, indexed by new label (non-increasing).</summary>
        public IReadOnlyList<long> ClassCounts => _counts;

        /// <summary>Original label of each new label.</summary>
        public IReadOnlyList<int> NewToOriginal => _newToOriginal;

        /// <summary>Whether <paramref name="originalLabel"/> is a class of this map.</summary>
        public bool Contains(int originalLabel) => originalLabel >= 0 && originalLabel < _originalToNew.Length;

        /// <summary>The new label of <paramref name="originalLabel"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="originalLabel"/> is not in [0, <see cref="NumClasses"/>).</exception>
        public int ToNew(int originalLabel)
        {
            if (!Contains(originalLabel))
                throw new ArgumentOutOfRangeException(nameof(originalLabel), originalLabel, $"The label must lie in [0, {NumClasses}).");
            return _originalToNew[originalLabel];
        }

        /// <summary>The original label of <paramref name="newLabel"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="newLabel"/> is not in [0, <see cref="NumClasses"/>).</exception>
        public int ToOriginal(int newLabel)
        {
            if (newLabel < 0 || newLabel >= _newToOriginal.Length)
                throw new ArgumentOutOfRangeException(nameof(newLabel), newLabel, $"The label must lie in [0, {NumClasses}).");
            return _newToOriginal[newLabel];
        }

        /// <summary>The class counts as a fresh array (e.g. for <c>new ArbLoss(long[])</c>).</summary>
        public long[] ClassCountsArray() => (long[])_counts.Clone();
    }
}
