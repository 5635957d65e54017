using System;
using System.Linq;
using Arbloss.Samples.Data.ImageLists;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    public class ClassFrequencyMapTests
    {
        [Fact]
        public void OrdersByDescendingFrequencyWithTiesByOriginalLabel()
        {
            // counts by original label: 0:2, 1:5, 2:3, 3:5, 4:0
            var labels = new[] { 1, 0, 3, 1, 2, 3, 1, 2, 3, 0, 1, 3, 2, 1, 3 };
            var map = ClassFrequencyMap.FromTrainingLabels(labels, numClasses: 5);
            Assert.Equal(new[] { 1, 3, 2, 0, 4 }, map.NewToOriginal);
            Assert.Equal(new long[] { 5, 5, 3, 2, 0 }, map.ClassCounts);
            Assert.Equal(0, map.ToNew(1));
            Assert.Equal(1, map.ToNew(3));
            Assert.Equal(4, map.ToNew(4));
            Assert.Equal(2, map.ToOriginal(2));
            Assert.Equal(5, map.NumClasses);
        }

        [Fact]
        public void ClassCountDefaultsToLargestLabelPlusOne()
        {
            var map = ClassFrequencyMap.FromTrainingLabels(new[] { 0, 2, 2 });
            Assert.Equal(3, map.NumClasses);
            Assert.Equal(new long[] { 2, 1, 0 }, map.ClassCounts);
            Assert.False(map.Contains(3));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.ToNew(3));
            Assert.Throws<ArgumentOutOfRangeException>(() => map.ToOriginal(-1));
        }

        [Fact]
        public void RejectsBadInput()
        {
            Assert.Throws<ArgumentNullException>(() => ClassFrequencyMap.FromTrainingLabels(null!));
            Assert.Throws<ArgumentException>(() => ClassFrequencyMap.FromTrainingLabels(Array.Empty<int>()));
            Assert.Throws<ArgumentException>(() => ClassFrequencyMap.FromTrainingLabels(new[] { 0, -1 }));
            var ex = Assert.Throws<ArgumentException>(() => ClassFrequencyMap.FromTrainingLabels(new[] { 0, 5 }, numClasses: 5));
            Assert.Equal("trainingLabels", ex.ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => ClassFrequencyMap.FromTrainingLabels(new[] { 0 }, numClasses: 0));
            Assert.Throws<ArgumentException>(() => ClassFrequencyMap.FromCounts(new long[] { 0, 0 }));
            Assert.Throws<ArgumentException>(() => ClassFrequencyMap.FromCounts(new long[] { 3, -1 }));
        }

        [Property(MaxTest = 200)]
        public void IsAFrequencySortedBijection(NonEmptyArray<byte> raw)
        {
            var labels = raw.Get.Select(b => b % 17).ToArray();
            var map = ClassFrequencyMap.FromTrainingLabels(labels);
            var bijective = Enumerable.Range(0, map.NumClasses).All(c => map.ToOriginal(map.ToNew(c)) == c)
                && map.NewToOriginal.Distinct().Count() == map.NumClasses;
            var counted = Enumerable.Range(0, map.NumClasses)
                .All(n => map.ClassCounts[n] == labels.Count(l => l == map.ToOriginal(n)));
            var sorted = Enumerable.Range(1, map.NumClasses - 1).All(n =>
                map.ClassCounts[n - 1] > map.ClassCounts[n]
                || (map.ClassCounts[n - 1] == map.ClassCounts[n] && map.ToOriginal(n - 1) < map.ToOriginal(n)));
            var context = $"labels {string.Join(",", labels)}";
            Assert.True(bijective, context);
            Assert.True(counted, context);
            Assert.True(sorted, context);
        }
    }
}
