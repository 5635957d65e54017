using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Losses.Tests.LongTail
{
    public class LongTailProfileTests
    {
        [Fact]
        public void Cifar100At001GivesAuthorsCounts()
        {
            var counts = LongTailProfile.Exponential(100, 500, 0.01);
            Assert.Equal(100, counts.Length);
            Assert.Equal(500, counts[0]);
            Assert.Equal(5, counts[99]);
            Assert.Equal(10847, counts.Sum());
            // A few interior values of the authors' int(500 * 0.01 ** (i / 99)).
            Assert.Equal(477, counts[1]);
        }

        [Fact]
        public void Cifar10At001GivesAuthorsCounts()
        {
            var counts = LongTailProfile.Exponential(10, 5000, 0.01);
            Assert.Equal(new long[] { 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 }, counts);
            Assert.Equal(12406, counts.Sum());
        }

        [Fact]
        public void Cifar10At002And01GiveAuthorsTotals()
        {
            // Totals of the CIFAR-10-LT training sets used in the literature (imbalance 50 and 10).
            Assert.Equal(13996, LongTailProfile.Exponential(10, 5000, 0.02).Sum());
            Assert.Equal(20431, LongTailProfile.Exponential(10, 5000, 0.1).Sum());
        }

        [Fact]
        public void StepHalvesTheClasses()
        {
            Assert.Equal(new long[] { 5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50 }, LongTailProfile.Step(10, 5000, 0.01));
            Assert.Equal(new long[] { 100, 10, 10 }, LongTailProfile.Step(3, 100, 0.1));
            Assert.Equal(new long[] { 10 }, LongTailProfile.Step(1, 100, 0.1));
        }

        [Fact]
        public void UniformAndCreate()
        {
            Assert.Equal(new long[] { 7, 7, 7 }, LongTailProfile.Uniform(3, 7));
            Assert.Equal(LongTailProfile.Uniform(3, 7), LongTailProfile.Create(ImbalanceType.Uniform, 3, 7, 0.5));
            Assert.Equal(LongTailProfile.Step(4, 9, 0.5), LongTailProfile.Create(ImbalanceType.Step, 4, 9, 0.5));
            Assert.Equal(LongTailProfile.Exponential(4, 9, 0.5), LongTailProfile.Create(ImbalanceType.Exponential, 4, 9, 0.5));
            Assert.Equal(new long[] { 42 }, LongTailProfile.Exponential(1, 42, 0.01));
        }

        [Theory]
        [InlineData("exp", ImbalanceType.Exponential)]
        [InlineData("Exponential", ImbalanceType.Exponential)]
        [InlineData(" step ", ImbalanceType.Step)]
        [InlineData("none", ImbalanceType.Uniform)]
        [InlineData("uniform", ImbalanceType.Uniform)]
        public void ParsesConfigNames(string name, ImbalanceType expected) => Assert.Equal(expected, LongTailProfile.ParseType(name));

        [Fact]
        public void BadArgumentsThrow()
        {
            Assert.Throws<ArgumentOutOfRangeException>("numClasses", () => LongTailProfile.Exponential(0, 10, 0.1));
            Assert.Throws<ArgumentOutOfRangeException>("maxCount", () => LongTailProfile.Exponential(10, 0, 0.1));
            Assert.Throws<ArgumentOutOfRangeException>("imbalanceFactor", () => LongTailProfile.Exponential(10, 10, 0));
            Assert.Throws<ArgumentOutOfRangeException>("imbalanceFactor", () => LongTailProfile.Exponential(10, 10, double.NaN));
            var ex = Assert.Throws<ArgumentOutOfRangeException>("imbalanceFactor", () => LongTailProfile.Step(10, 10, 100));
            Assert.Contains("0.01", ex.Message);
            Assert.Throws<ArgumentOutOfRangeException>("type", () => LongTailProfile.Create((ImbalanceType)7, 3, 3, 1));
            Assert.Throws<ArgumentException>("name", () => LongTailProfile.ParseType("zipf"));
        }

        [Property(MaxTest = 200)]
        public Property ExponentialIsNonIncreasingWithEndpoints()
        {
            var gen = Gen.Choose(2, 400).SelectMany(c => Gen.Choose(1, 20000).SelectMany(m => Gen.Choose(1, 1000).Select(f => (c, m, f / 1000.0))));
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (c, m, f) = t;
                var counts = LongTailProfile.Exponential(c, m, f);
                bool monotone = counts.Zip(counts.Skip(1), (a, b) => a >= b).All(x => x);
                return monotone && counts[0] == m && counts[^1] == (long)(m * f) && counts.All(n => n >= 0 && n <= m);
            });
        }
    }
}
