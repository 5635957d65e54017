using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using Xunit;

namespace Arbloss.Losses.Tests.LongTail
{
    public class ClassFrequencyTests
    {
        [Fact]
        public void CountsLabels()
        {
            Assert.Equal(new long[] { 2, 0, 3 }, ClassFrequency.Count(new long[] { 0, 2, 2, 0, 2 }));
            Assert.Equal(new long[] { 2, 0, 3, 0 }, ClassFrequency.Count(new long[] { 0, 2, 2, 0, 2 }, 4));
            Assert.Empty(ClassFrequency.Count(Array.Empty<long>()));
            Assert.Equal(new long[] { 0, 0 }, ClassFrequency.Count(Array.Empty<long>(), 2));
        }

        [Fact]
        public void DescendingMapSortsByFrequencyWithStableTies()
        {
            var counts = new long[] { 5, 40, 5, 100, 0 };
            var map = ClassFrequency.DescendingFrequencyMap(counts);
            Assert.Equal(new[] { 2, 1, 3, 0, 4 }, map);
            var labels = new long[] { 0, 1, 1, 3, 3, 3, 2 };
            var remapped = ClassFrequency.Remap(labels, map);
            Assert.Equal(new long[] { 2, 1, 1, 0, 0, 0, 3 }, remapped);
            // After remapping, counts are non-increasing in the class index.
            var labelsFromCounts = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, (int)n)).ToArray();
            var sorted = ClassFrequency.Count(ClassFrequency.Remap(labelsFromCounts, map), 5);
            Assert.Equal(new long[] { 100, 40, 5, 5, 0 }, sorted);
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            Assert.Throws<ArgumentNullException>("labels", () => ClassFrequency.Count(null!));
            Assert.Throws<ArgumentException>("labels", () => ClassFrequency.Count(new long[] { 1, -1 }));
            Assert.Throws<ArgumentException>("labels", () => ClassFrequency.Count(new long[] { 1, 3 }, 3));
            Assert.Throws<ArgumentException>("labels", () => ClassFrequency.Count(new long[] { 1L << 40 }));
            Assert.Throws<ArgumentOutOfRangeException>("numClasses", () => ClassFrequency.Count(new long[] { 1 }, -1));
            Assert.Throws<ArgumentException>("classCounts", () => ClassFrequency.DescendingFrequencyMap(new long[] { 1, -1 }));
            Assert.Throws<ArgumentException>("labels", () => ClassFrequency.Remap(new long[] { 2 }, new[] { 1, 0 }));
        }
    }
}
