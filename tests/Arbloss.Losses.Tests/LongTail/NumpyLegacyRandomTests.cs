using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.LongTail
{
    public class NumpyLegacyRandomTests
    {
        [Fact]
        public void FixtureNamesItsNumpyVersion() => Assert.Equal("1.24.2", SubsetFixture.NumpyVersion);

        [Fact]
        public void RawOutputsEqualNumpyAfterIntegerSeeds()
        {
            var raw = SubsetFixture.Raw;
            Assert.Equal(new uint[] { 0, 5489, 123456789, uint.MaxValue }, raw.Select(r => r.Seed));
            foreach (var r in raw)
            {
                var rng = new NumpyLegacyRandom(r.Seed);
                Assert.Equal(r.Values, r.Values.Select(_ => rng.NextUInt32()));
            }
        }

        [Fact]
        public void Seed5489GivesTheReferenceMt19937Output()
        {
            // 5489 is init_genrand's default seed; its first output is the published MT19937 test value.
            Assert.Equal(3499211612u, new NumpyLegacyRandom(5489).NextUInt32());
        }

        [Fact]
        public void RawOutputsEqualNumpyAcrossTheFirstStateRefill()
        {
            var (seed, skip, values) = SubsetFixture.RawAfterFirstBlock;
            var rng = new NumpyLegacyRandom(seed);
            for (int i = 0; i < skip; i++) rng.NextUInt32();
            Assert.Equal(values, values.Select(_ => rng.NextUInt32()));
        }

        [Fact]
        public void BoundedDrawsEqualNumpyRandint()
        {
            var (seed, max, values) = SubsetFixture.Bounded;
            var rng = new NumpyLegacyRandom(seed);
            Assert.Equal(values, max.Select(m => rng.NextInterval(m)));
        }

        [Fact]
        public void ShuffleEqualsNumpyShuffle()
        {
            var (seed, values) = SubsetFixture.Shuffle;
            var items = Enumerable.Range(0, values.Length).Select(i => (long)i).ToArray();
            new NumpyLegacyRandom(seed).Shuffle<long>(items);
            Assert.Equal(values, items);
        }

        [Fact]
        public void IntervalZeroAndTinyShufflesConsumeNoOutput()
        {
            var a = new NumpyLegacyRandom(11);
            var b = new NumpyLegacyRandom(11);
            Assert.Equal(0u, a.NextInterval(0));
            a.Shuffle(Span<int>.Empty);
            a.Shuffle<int>(new[] { 7 });
            Assert.Equal(b.NextUInt32(), a.NextUInt32());
        }

        [Property(MaxTest = 200)]
        public Property IntervalStaysInRange()
        {
            var gen = Gen.Choose(0, int.MaxValue).SelectMany(seed =>
                Gen.Elements(0u, 1u, 2u, 3u, 4u, 7u, 9u, 1000u, 65537u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, uint.MaxValue)
                    .Select(max => (seed, max)));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var rng = new NumpyLegacyRandom((uint)t.seed);
                return Enumerable.Range(0, 50).All(_ => rng.NextInterval(t.max) <= t.max);
            });
        }

        [Property(MaxTest = 100)]
        public Property ShuffleIsAPermutation()
        {
            var gen = Gen.Choose(0, 300).SelectMany(n => Gen.Choose(0, int.MaxValue).Select(seed => (n, seed)));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var items = Enumerable.Range(0, t.n).ToArray();
                new NumpyLegacyRandom((uint)t.seed).Shuffle<int>(items);
                return items.OrderBy(x => x).SequenceEqual(Enumerable.Range(0, t.n));
            });
        }
    }
}
