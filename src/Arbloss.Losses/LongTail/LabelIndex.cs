using System;
using System.Collections.Generic;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Item indices grouped by class (a counting sort of the labels): class c's items are
    /// <c>Items[Offsets[c] .. Offsets[c + 1])</c>, in ascending index order. Memory: two ints per item plus two per class.
    /// </summary>
    internal sealed class LabelIndex
    {
        /// <summary>Largest class index accepted; class indices are dense array positions.</summary>
        internal const int MaxClassIndex = (1 << 26) - 1;

        private LabelIndex(int numClasses, int[] counts, int[] offsets, int[] items)
        {
            NumClasses = numClasses;
            Counts = counts;
            Offsets = offsets;
            Items = items;
            var present = new List<int>();
            int max = 0;
            for (int c = 0; c < numClasses; c++)
            {
                if (counts[c] > 0) present.Add(c);
                if (counts[c] > max) max = counts[c];
            }
            PresentClasses = present.ToArray();
            MaxCount = max;
        }

        /// <summary>Number of class slots (largest label + 1, or the number given).</summary>
        internal int NumClasses { get; }

        /// <summary>Items per class.</summary>
        internal int[] Counts { get; }

        /// <summary>Start of each class's items in <see cref="Items"/>; length <c>NumClasses + 1</c>.</summary>
        internal int[] Offsets { get; }

        /// <summary>Item indices sorted by class, ascending within a class.</summary>
        internal int[] Items { get; }

        /// <summary>Classes with at least one item, ascending.</summary>
        internal int[] PresentClasses { get; }

        /// <summary>Size of the largest class.</summary>
        internal int MaxCount { get; }

        /// <summary>Number of items.</summary>
        internal int Length => Items.Length;

        /// <summary>Groups <paramref name="labels"/> by class.</summary>
        /// <param name="labels">Class index of each item, in [0, numClasses).</param>
        /// <param name="name">Argument name for exceptions.</param>
        /// <param name="numClasses">Number of classes, or null for largest label + 1.</param>
        /// <param name="allowEmpty">Whether an empty label list is accepted.</param>
        internal static LabelIndex Build(IReadOnlyList<long> labels, string name, int? numClasses = null, bool allowEmpty = false)
        {
            if (labels is null) throw new ArgumentNullException(name);
            int n = labels.Count;
            if (n == 0 && !allowEmpty)
                throw new ArgumentException("The label list is empty; a sampler needs at least one item.", name);
            if (numClasses is < 0)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be non-negative.");

            int[] lab = new int[n];
            long max = -1;
            for (int i = 0; i < n; i++)
            {
                long v = labels[i];
                if (v < 0)
                    throw new ArgumentException($"Label {i} is {v}; labels must be class indices >= 0.", name);
                if (numClasses is int k && v >= k)
                    throw new ArgumentException($"Label {i} is {v}, outside the {k} classes [0, {k}).", name);
                if (v > MaxClassIndex)
                    throw new ArgumentException($"Label {i} is {v}; class indices must be dense and below {MaxClassIndex + 1L} (remap sparse ids to 0 .. C-1 first).", name);
                lab[i] = (int)v;
                if (v > max) max = v;
            }
            int classes = numClasses ?? (int)(max + 1);
            var counts = new int[classes];
            for (int i = 0; i < n; i++) counts[lab[i]]++;
            var offsets = new int[classes + 1];
            for (int c = 0; c < classes; c++) offsets[c + 1] = offsets[c] + counts[c];
            var fill = new int[classes];
            Array.Copy(offsets, fill, classes);
            var items = new int[n];
            for (int i = 0; i < n; i++) items[fill[lab[i]]++] = i;
            return new LabelIndex(classes, counts, offsets, items);
        }
    }
}
