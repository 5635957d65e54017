using Arbloss.Losses.LongTail;
using System;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.Diagnostics
{
    public class ShotGroupsTests
    {
        [Fact]
        public void ImageNetLtThresholdsAreMoreThan100And20To100AndFewerThan20()
        {
            var g = ShotGroups.FromClassCounts(new long[] { 101, 100, 20, 19, 0, 1280 });
            Assert.Equal(new[] { ShotGroup.Many, ShotGroup.Medium, ShotGroup.Medium, ShotGroup.Few, ShotGroup.Few, ShotGroup.Many },
                Enumerable.Range(0, 6).Select(i => g[i]).ToArray());
            Assert.Equal(new[] { 0, 5 }, g.ClassesIn(ShotGroup.Many));
            Assert.Equal(new[] { 1, 2 }, g.ClassesIn(ShotGroup.Medium));
            Assert.Equal(new[] { 3, 4 }, g.ClassesIn(ShotGroup.Few));
            Assert.Empty(g.ClassesIn(ShotGroup.None));
            Assert.Equal(6, g.NumClasses);
        }

        [Property(MaxTest = 50)]
        public void CountThresholdsPartitionTheClasses(int seed)
        {
            var rng = new Random(seed);
            var counts = Enumerable.Range(0, rng.Next(1, 30)).Select(_ => (long)rng.Next(0, 300)).ToArray();
            long manyAbove = rng.Next(0, 200);
            long fewBelow = rng.Next(0, (int)manyAbove + 2);
            var g = ShotGroups.FromClassCounts(counts, manyAbove, fewBelow);
            for (int c = 0; c < counts.Length; c++)
            {
                var expected = counts[c] > manyAbove ? ShotGroup.Many : counts[c] < fewBelow ? ShotGroup.Few : ShotGroup.Medium;
                Assert.Equal(expected, g[c]);
            }
            var all = new[] { ShotGroup.Many, ShotGroup.Medium, ShotGroup.Few }.SelectMany(x => g.ClassesIn(x)).OrderBy(x => x);
            Assert.Equal(Enumerable.Range(0, counts.Length), all);
        }

        [Fact]
        public void IndexRangesAreHalfOpenAndMayLeaveGaps()
        {
            // The CIFAR-100-LT config of the authors: head [0, 36), medium [36, 71), tail [71, 100).
            var g = ShotGroups.FromIndexRanges(100, (0, 36), (36, 71), (71, 100));
            Assert.Equal(36, g.ClassesIn(ShotGroup.Many).Count);
            Assert.Equal(35, g.ClassesIn(ShotGroup.Medium).Count);
            Assert.Equal(29, g.ClassesIn(ShotGroup.Few).Count);
            Assert.Equal(ShotGroup.Medium, g[36]);
            var gaps = ShotGroups.FromIndexRanges(10, (0, 2), (5, 5), (8, 10));
            Assert.Equal(new[] { 2, 3, 4, 5, 6, 7 }, gaps.ClassesIn(ShotGroup.None));
            Assert.Empty(gaps.ClassesIn(ShotGroup.Medium));
        }

        [Fact]
        public void BadInputGetsArgumentExceptions()
        {
            Assert.Equal("medium", Assert.Throws<ArgumentException>(() => ShotGroups.FromIndexRanges(10, (0, 5), (4, 8), (8, 10))).ParamName);
            Assert.Equal("few", Assert.Throws<ArgumentException>(() => ShotGroups.FromIndexRanges(10, (0, 5), (5, 8), (8, 11))).ParamName);
            Assert.Equal("many", Assert.Throws<ArgumentException>(() => ShotGroups.FromIndexRanges(10, (3, 2), (5, 8), (8, 10))).ParamName);
            Assert.Throws<ArgumentOutOfRangeException>(() => ShotGroups.FromIndexRanges(0, (0, 0), (0, 0), (0, 0)));
            Assert.Throws<ArgumentNullException>(() => ShotGroups.FromClassCounts(null!));
            Assert.Throws<ArgumentException>(() => ShotGroups.FromClassCounts(Array.Empty<long>()));
            Assert.Contains("-1", Assert.Throws<ArgumentException>(() => ShotGroups.FromClassCounts(new long[] { 5, -1 })).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => ShotGroups.FromClassCounts(new long[] { 5 }, manyAbove: 10, fewBelow: 12));
            Assert.Throws<ArgumentException>(() => new ShotGroups(new[] { (ShotGroup)9 }));
            Assert.Throws<ArgumentException>(() => new ShotGroups(Array.Empty<ShotGroup>()));
            var g = new ShotGroups(new[] { ShotGroup.Few, ShotGroup.Many });
            Assert.Throws<ArgumentOutOfRangeException>(() => g[2]);
            Assert.Throws<ArgumentOutOfRangeException>(() => g.ClassesIn((ShotGroup)9));
        }
    }
}
