using System;

namespace Arbloss.Samples.Configuration
{
    /// <summary>A half-open range of class indices <c>[Start, End)</c>, as in the authors' <c>head_class_idx: [0, 3]</c>.</summary>
    /// <param name="Start">First class index of the range.</param>
    /// <param name="End">One past the last class index of the range.</param>
    public readonly record struct ClassRange(int Start, int End)
    {
        /// <summary>Number of classes in the range.</summary>
        public int Length => End - Start;

        /// <summary>The range in the authors' notation, e.g. <c>[0, 3]</c>.</summary>
        /// <returns>A short text.</returns>
        public override string ToString() => $"[{Start}, {End}]";

        /// <summary>Checks that the range lies inside <c>[0, numClasses]</c> and is not reversed.</summary>
        /// <param name="numClasses">Number of classes.</param>
        /// <returns>True when <c>0 &lt;= Start &lt;= End &lt;= numClasses</c>.</returns>
        public bool FitsIn(int numClasses) => Start >= 0 && Start <= End && End <= numClasses;

        /// <summary>Whether <paramref name="classIndex"/> lies in the range.</summary>
        /// <param name="classIndex">A class index.</param>
        /// <returns>True when <c>Start &lt;= classIndex &lt; End</c>.</returns>
        public bool Contains(int classIndex) => classIndex >= Start && classIndex < End;

        /// <summary>Creates a range, checking its order.</summary>
        /// <param name="start">First class index.</param>
        /// <param name="end">One past the last class index.</param>
        /// <returns>The range.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or <paramref name="end"/> is below it.</exception>
        public static ClassRange Of(int start, int end)
        {
            if (start < 0) throw new ArgumentOutOfRangeException(nameof(start), start, "A class index cannot be negative.");
            if (end < start) throw new ArgumentOutOfRangeException(nameof(end), end, $"The range end must be at least its start ({start}).");
            return new ClassRange(start, end);
        }
    }
}
