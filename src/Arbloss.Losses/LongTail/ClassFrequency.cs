using System;
using System.Collections.Generic;

namespace Arbloss.Losses.LongTail
{
    /// <summary>Class counts from labels, and re-ordering classes by descending frequency.</summary>
    public static class ClassFrequency
    {
        /// <summary>Counts how often each class occurs in <paramref name="labels"/>; the result has largest label + 1 entries.</summary>
        /// <param name="labels">Class index of each item (non-negative).</param>
        /// <returns>A new array of per-class counts (empty when <paramref name="labels"/> is empty).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException">A label is negative or not a dense class index (at least 2^26).</exception>
        public static long[] Count(IReadOnlyList<long> labels) => ToLong(LabelIndex.Build(labels, nameof(labels), null, allowEmpty: true).Counts);

        /// <summary>Counts how often each of <paramref name="numClasses"/> classes occurs in <paramref name="labels"/>.</summary>
        /// <param name="labels">Class index of each item, in [0, numClasses).</param>
        /// <param name="numClasses">Number of classes; classes that never occur get count 0.</param>
        /// <returns>A new array of <paramref name="numClasses"/> counts.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is negative.</exception>
        /// <exception cref="ArgumentException">A label lies outside [0, numClasses).</exception>
        public static long[] Count(IReadOnlyList<long> labels, int numClasses)
        {
            if (numClasses < 0)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be non-negative.");
            return ToLong(LabelIndex.Build(labels, nameof(labels), numClasses, allowEmpty: true).Counts);
        }

        /// <summary>
        /// The class map that re-orders classes by descending frequency (the authors' ImageNet-LT class map):
        /// <c>map[oldClass] = newClass</c>, where new class 0 is the most frequent. Ties keep the original order, so the
        /// map is deterministic.
        /// </summary>
        /// <param name="classCounts">Per-class counts (non-negative), indexed by the original class.</param>
        /// <returns>A new permutation of 0 .. C-1.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">A count is negative.</exception>
        public static int[] DescendingFrequencyMap(IReadOnlyList<long> classCounts)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            int c = classCounts.Count;
            var order = new int[c];
            for (int i = 0; i < c; i++)
            {
                if (classCounts[i] < 0)
                    throw new ArgumentException($"Class count {i} is {classCounts[i]}; counts must be non-negative.", nameof(classCounts));
                order[i] = i;
            }
            // order[newClass] = oldClass: by count descending, then by original index (stable).
            Array.Sort(order, (a, b) =>
            {
                int byCount = classCounts[b].CompareTo(classCounts[a]);
                return byCount != 0 ? byCount : a.CompareTo(b);
            });
            var map = new int[c];
            for (int newClass = 0; newClass < c; newClass++) map[order[newClass]] = newClass;
            return map;
        }

        /// <summary>Applies a class map (e.g. from <see cref="DescendingFrequencyMap"/>) to labels: <c>result[i] = map[labels[i]]</c>.</summary>
        /// <param name="labels">Class indices in [0, map.Count).</param>
        /// <param name="map">The class map, <c>map[oldClass] = newClass</c>.</param>
        /// <returns>A new array of re-mapped labels.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">A label lies outside the map.</exception>
        public static long[] Remap(IReadOnlyList<long> labels, IReadOnlyList<int> map)
        {
            if (labels is null) throw new ArgumentNullException(nameof(labels));
            if (map is null) throw new ArgumentNullException(nameof(map));
            var result = new long[labels.Count];
            for (int i = 0; i < result.Length; i++)
            {
                long v = labels[i];
                if (v < 0 || v >= map.Count)
                    throw new ArgumentException($"Label {i} is {v}, outside the class map's {map.Count} classes.", nameof(labels));
                result[i] = map[(int)v];
            }
            return result;
        }

        private static long[] ToLong(int[] counts)
        {
            var result = new long[counts.Length];
            for (int i = 0; i < counts.Length; i++) result[i] = counts[i];
            return result;
        }
    }
}
