using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.LongTail
{
    public class ClassWeightsTests
    {
        [Fact]
        public void EffectiveNumberMatchesCuiFormula()
        {
            var counts = new long[] { 5000, 500, 50 };
            double beta = 0.9999;
            var raw = counts.Select(n => (1 - beta) / (1 - Math.Pow(beta, n))).ToArray();
            var expected = raw.Select(w => w / raw.Sum() * 3).ToArray();
            Numerics.AssertClose(expected, ClassWeights.EffectiveNumber(counts, beta), 1e-12, 0, "weights");
        }

        [Fact]
        public void BetaZeroAndEqualCountsGiveOnes()
        {
            Assert.Equal(new double[] { 1, 1, 1 }, ClassWeights.EffectiveNumber(new long[] { 9, 3, 1 }, 0));
            Numerics.AssertClose(new double[] { 1, 1, 1 }, ClassWeights.EffectiveNumber(new long[] { 4, 4, 4 }), 1e-14, 0, "equal");
            Numerics.AssertClose(new double[] { 1, 1 }, ClassWeights.InverseFrequency(new long[] { 4, 4 }), 1e-14, 0, "equal");
        }

        [Fact]
        public void InverseAndSquareRoot()
        {
            Numerics.AssertClose(new[] { 2 * 0.2, 2 * 0.8 }, ClassWeights.InverseFrequency(new long[] { 100, 25 }), 1e-14, 0, "inverse");
            Numerics.AssertClose(new[] { 2 / 3.0, 4 / 3.0 }, ClassWeights.SquareRootFrequency(new long[] { 100, 25 }), 1e-14, 0, "sqrt");
        }

        [Fact]
        public void EmptyClassesGetZeroAndAreLeftOutOfTheNormalisation()
        {
            var w = ClassWeights.InverseFrequency(new long[] { 10, 0, 10 });
            Assert.Equal(new double[] { 1, 0, 1 }, w);
            Assert.Equal(0, ClassWeights.EffectiveNumber(new long[] { 3, 0 })[1]);
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            Assert.Throws<ArgumentNullException>("classCounts", () => ClassWeights.InverseFrequency(null!));
            Assert.Throws<ArgumentException>("classCounts", () => ClassWeights.InverseFrequency(Array.Empty<long>()));
            Assert.Throws<ArgumentException>("classCounts", () => ClassWeights.InverseFrequency(new long[] { 0, 0 }));
            Assert.Throws<ArgumentException>("classCounts", () => ClassWeights.SquareRootFrequency(new long[] { 1, -1 }));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => ClassWeights.EffectiveNumber(new long[] { 1 }, 1));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => ClassWeights.EffectiveNumber(new long[] { 1 }, -0.1));
        }

        [Property(MaxTest = 200)]
        public Property EffectiveNumberLiesBetweenUniformAndInverseFrequency()
        {
            var gen = Gen.ArrayOf(Gen.Choose(1, 5000).Select(x => (long)x)).Where(a => a.Length > 1)
                .SelectMany(c => Gen.Choose(1, 9999).Select(b => (c, b / 10000.0)));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (counts, beta) = t;
                var w = ClassWeights.EffectiveNumber(counts, beta);
                // Mean 1, and rarer classes never get smaller weights.
                bool meanOne = Math.Abs(w.Average() - 1) < 1e-12;
                bool ordered = true;
                for (int i = 0; i < counts.Length; i++)
                    for (int j = 0; j < counts.Length; j++)
                        if (counts[i] < counts[j] && w[i] < w[j] * (1 - 1e-12)) ordered = false;
                return meanOne && ordered;
            });
        }
    }
}
