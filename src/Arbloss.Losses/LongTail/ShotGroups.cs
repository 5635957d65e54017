using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Assigns every class to a many / medium / few-shot group (<see cref="ShotGroup"/>) for group accuracies, either from
    /// class-index intervals (the ARB-Loss / MiSLAS configs: head, medium and tail index ranges of classes sorted by
    /// frequency) or from training-set counts (the ImageNet-LT convention: more than 100, 20 to 100, fewer than 20).
    /// Immutable.
    /// </summary>
    public sealed class ShotGroups
    {
        private readonly ShotGroup[] _groups;
        private readonly int[][] _members;

        /// <summary>Creates the grouping from one group per class.</summary>
        /// <param name="groups">The group of each class; length = number of classes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="groups"/> is null.</exception>
        /// <exception cref="ArgumentException">The list is empty or holds an undefined <see cref="ShotGroup"/> value.</exception>
        public ShotGroups(IReadOnlyList<ShotGroup> groups)
        {
            if (groups is null) throw new ArgumentNullException(nameof(groups));
            if (groups.Count == 0) throw new ArgumentException("Shot groups need one entry per class; got an empty list.", nameof(groups));
            _groups = groups.ToArray();
            for (int c = 0; c < _groups.Length; c++)
                if (!Enum.IsDefined(_groups[c]))
                    throw new ArgumentException($"Class {c} has the undefined group value {(int)_groups[c]}.", nameof(groups));
            _members = Enumerable.Range(0, 4)
                .Select(g => Enumerable.Range(0, _groups.Length).Where(c => (int)_groups[c] == g).ToArray())
                .ToArray();
        }

        /// <summary>
        /// Groups from half-open class-index intervals <c>[Start, End)</c>, as in the authors' configs (e.g. CIFAR-100-LT
        /// head [0, 36), medium [36, 71), tail [71, 100)). Classes outside every interval are <see cref="ShotGroup.None"/>.
        /// </summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="many">Many-shot (head) interval.</param>
        /// <param name="medium">Medium-shot interval.</param>
        /// <param name="few">Few-shot (tail) interval.</param>
        /// <returns>The grouping.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        /// <exception cref="ArgumentException">An interval is reversed or leaves [0, C), or two intervals overlap.</exception>
        public static ShotGroups FromIndexRanges(int numClasses, (int Start, int End) many, (int Start, int End) medium, (int Start, int End) few)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            var groups = new ShotGroup[numClasses];
            Fill(groups, many, ShotGroup.Many, nameof(many));
            Fill(groups, medium, ShotGroup.Medium, nameof(medium));
            Fill(groups, few, ShotGroup.Few, nameof(few));
            return new ShotGroups(groups);
        }

        /// <summary>
        /// Groups from training-set counts: many-shot when the count is above <paramref name="manyAbove"/>, few-shot when
        /// below <paramref name="fewBelow"/>, medium-shot otherwise (the defaults give ImageNet-LT's &gt; 100, 20..100, &lt; 20).
        /// </summary>
        /// <param name="trainingCounts">Training images per class; length = number of classes.</param>
        /// <param name="manyAbove">A class with more training images than this is many-shot.</param>
        /// <param name="fewBelow">A class with fewer training images than this is few-shot.</param>
        /// <returns>The grouping.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="trainingCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty or negative.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A threshold is negative, or <paramref name="fewBelow"/> exceeds
        /// <paramref name="manyAbove"/> + 1 (the groups would overlap).</exception>
        public static ShotGroups FromClassCounts(IReadOnlyList<long> trainingCounts, long manyAbove = 100, long fewBelow = 20)
        {
            if (trainingCounts is null) throw new ArgumentNullException(nameof(trainingCounts));
            if (trainingCounts.Count == 0) throw new ArgumentException("Training counts need one entry per class; got an empty list.", nameof(trainingCounts));
            if (manyAbove < 0) throw new ArgumentOutOfRangeException(nameof(manyAbove), manyAbove, "The many-shot threshold must be non-negative.");
            if (fewBelow < 0 || fewBelow > manyAbove + 1)
                throw new ArgumentOutOfRangeException(nameof(fewBelow), fewBelow, $"The few-shot threshold must lie in [0, manyAbove + 1 = {manyAbove + 1}].");
            var groups = new ShotGroup[trainingCounts.Count];
            for (int c = 0; c < groups.Length; c++)
            {
                long n = trainingCounts[c];
                if (n < 0) throw new ArgumentException($"Training count {c} is {n}; counts must be non-negative.", nameof(trainingCounts));
                groups[c] = n > manyAbove ? ShotGroup.Many : n < fewBelow ? ShotGroup.Few : ShotGroup.Medium;
            }
            return new ShotGroups(groups);
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _groups.Length;

        /// <summary>The group of a class.</summary>
        /// <param name="classIndex">Class index in [0, C).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="classIndex"/> is outside [0, C).</exception>
        public ShotGroup this[int classIndex] =>
            classIndex >= 0 && classIndex < _groups.Length
                ? _groups[classIndex]
                : throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The class index must lie in [0, {_groups.Length}).");

        /// <summary>The classes of one group, in increasing order.</summary>
        /// <param name="group">The group.</param>
        /// <returns>The class indices (possibly empty).</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="group"/> is not a defined value.</exception>
        public IReadOnlyList<int> ClassesIn(ShotGroup group) =>
            Enum.IsDefined(group) ? _members[(int)group] : throw new ArgumentOutOfRangeException(nameof(group), group, "Unknown shot group.");

        private static void Fill(ShotGroup[] groups, (int Start, int End) range, ShotGroup group, string name)
        {
            if (range.Start < 0 || range.End < range.Start || range.End > groups.Length)
                throw new ArgumentException($"The {group} interval [{range.Start}, {range.End}) must satisfy 0 <= start <= end <= {groups.Length}.", name);
            for (int c = range.Start; c < range.End; c++)
            {
                if (groups[c] != ShotGroup.None)
                    throw new ArgumentException($"Class {c} is in both the {groups[c]} and the {group} interval; the intervals must not overlap.", name);
                groups[c] = group;
            }
        }
    }
}
