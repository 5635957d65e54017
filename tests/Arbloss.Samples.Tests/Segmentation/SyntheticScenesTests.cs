using System;
using System.Linq;
using Arbloss.Samples.Data;
using Xunit;
using Xunit.Abstractions;

namespace Arbloss.Samples.Tests.Segmentation
{
    public class SyntheticScenesTests
    {
        private readonly ITestOutputHelper _log;

        public SyntheticScenesTests(ITestOutputHelper log) => _log = log;

        private static long[] PixelCounts(int scenes, int size, long seed = 0)
        {
            var counts = new long[SyntheticScenes.NumClasses];
            var pixels = new byte[3 * size * size];
            var mask = new long[size * size];
            for (int i = 0; i < scenes; i++)
            {
                SyntheticScenes.Render(seed, i, size, pixels, mask);
                foreach (var c in mask) counts[c]++;
            }
            return counts;
        }

        [Fact]
        public void PixelFrequenciesSpanAboutOneHundredToOneAndFallWithTheClass()
        {
            var counts = PixelCounts(400, 48);
            _log.WriteLine(string.Join(", ", counts));
            Assert.All(counts, c => Assert.True(c > 0));
            double ratio = (double)counts[0] / counts[9];
            Assert.InRange(ratio, 50, 250);
            for (int c = 2; c < counts.Length; c++) Assert.True(counts[c] < counts[c - 1], $"class {c} ({counts[c]}) is not rarer than class {c - 1} ({counts[c - 1]})");
        }

        [Fact]
        public void ScenesAreDeterministicPerSeedAndIndex()
        {
            var a = new byte[3 * 32 * 32];
            var b = new byte[3 * 32 * 32];
            var ma = new long[32 * 32];
            var mb = new long[32 * 32];
            SyntheticScenes.Render(7, 3, 32, a, ma);
            SyntheticScenes.Render(7, 3, 32, b, mb);
            Assert.Equal(a, b);
            Assert.Equal(ma, mb);
            SyntheticScenes.Render(7, 4, 32, b, mb);
            Assert.NotEqual(a, b);
            SyntheticScenes.Render(8, 3, 32, b, mb);
            Assert.NotEqual(a, b);
        }

        [Fact]
        public void BadArgumentsAreNamed()
        {
            Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticScenes.Render(0, 0, 8, new byte[192], new long[64])).ParamName);
            Assert.Equal("pixels", Assert.Throws<ArgumentException>(() => SyntheticScenes.Render(0, 0, 16, new byte[10], new long[256])).ParamName);
            Assert.Equal("mask", Assert.Throws<ArgumentException>(() => SyntheticScenes.Render(0, 0, 16, new byte[768], new long[10])).ParamName);
        }
    }
}
