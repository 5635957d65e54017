using System;
using System.Linq;
using Arbloss.Losses.Sampling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    public class MixupTests
    {
        /// <summary>Kolmogorov-Smirnov distance of a sample from a CDF.</summary>
        private static double KolmogorovSmirnov(double[] sample, Func<double, double> cdf)
        {
            var s = sample.OrderBy(v => v).ToArray();
            double d = 0;
            for (int i = 0; i < s.Length; i++)
            {
                double f = cdf(s[i]);
                d = Math.Max(d, Math.Max(Math.Abs((i + 1.0) / s.Length - f), Math.Abs(f - (double)i / s.Length)));
            }
            return d;
        }

        [Theory]
        [InlineData(1.0)]
        [InlineData(0.5)]
        [InlineData(2.0)]
        public void LambdaFollowsBetaAlphaAlpha(double alpha)
        {
            Func<double, double> cdf = alpha switch
            {
                1.0 => x => x,
                0.5 => x => 2 / Math.PI * Math.Asin(Math.Sqrt(x)),
                _ => x => 3 * x * x - 2 * x * x * x,
            };
            var mixup = new Mixup(alpha, seed: 17);
            var sample = Enumerable.Range(0, 20000).Select(_ => mixup.SampleLambda()).ToArray();
            Assert.All(sample, v => Assert.InRange(v, 0.0, 1.0));
            // KS critical value at p = 1e-4 is about 2.0 / sqrt(n) (deterministic seed, not flaky).
            double d = KolmogorovSmirnov(sample, cdf);
            Assert.True(d < 2.0 / Math.Sqrt(sample.Length), $"KS distance {d:F4} for alpha {alpha}");
        }

        [Theory]
        [InlineData(0.2)]
        [InlineData(0.05)]
        [InlineData(8.0)]
        public void LambdaHasBetaMoments(double alpha)
        {
            var mixup = new Mixup(alpha, seed: 3);
            const int n = 40000;
            var sample = Enumerable.Range(0, n).Select(_ => mixup.SampleLambda()).ToArray();
            double variance = 1 / (4 * (2 * alpha + 1));
            double mean = sample.Average();
            double sampleVariance = sample.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1);
            Assert.InRange(mean, 0.5 - 5 * Math.Sqrt(variance / n), 0.5 + 5 * Math.Sqrt(variance / n));
            // Var of the sample variance <= E[(X - mu)^4] / n <= variance / n for X in [0, 1]; 5 sigma.
            double sd = Math.Sqrt(variance / n);
            Assert.InRange(sampleVariance, variance - 5 * sd, variance + 5 * sd);
            Assert.All(sample, v => Assert.False(double.IsNaN(v)));
        }

        [Theory]
        [InlineData(0.3)]
        [InlineData(1.0)]
        [InlineData(4.5)]
        public void GammaDrawsHaveGammaMoments(double shape)
        {
            var rng = Xoshiro256.Create(99);
            const int n = 40000;
            var sample = Enumerable.Range(0, n).Select(_ => Math.Exp(Mixup.SampleLogGamma(ref rng, shape))).ToArray();
            double mean = sample.Average();
            double variance = sample.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1);
            Assert.InRange(mean, shape - 5 * Math.Sqrt(shape / n), shape + 5 * Math.Sqrt(shape / n));
            // Var(sample variance) ~ (mu4 - sigma^4) / n with mu4 = 3k^2 + 6k for Gamma(k).
            double sd = Math.Sqrt((3 * shape * shape + 6 * shape - shape * shape) / n);
            Assert.InRange(variance, shape - 5 * sd, shape + 5 * sd);
        }

        [Property(MaxTest = 50)]
        public Property MixesABatchWithAPermutationOfItself()
        {
            var gen = from b in Gen.Choose(1, 8)
                      from f in Gen.Choose(1, 4)
                      from seed in Gen.Choose(0, 1000)
                      from alpha in Gen.Elements(0.2, 1.0, 0.0, -1.0)
                      select (b, f, seed, alpha);
            return Prop.ForAll(gen.ToArbitrary(), t =>
            {
                var (b, f, seed, alpha) = t;
                using var scope = NewDisposeScope();
                var x = randn(new long[] { b, f }, ScalarType.Float64);
                var y = arange(b, ScalarType.Int64).mul(3);
                using var batch = new Mixup(alpha, seed).Apply(x, y);
                var perm = batch.Permutation.ToArray();
                bool isPermutation = perm.OrderBy(v => v).SequenceEqual(Enumerable.Range(0, b).Select(v => (long)v));
                var expected = x.mul(batch.Lambda).add(x.index_select(0, tensor(perm)).mul(1 - batch.Lambda));
                bool mixed = batch.MixedInputs.allclose(expected, 1e-12, 1e-12);
                bool targets = ReferenceEquals(batch.TargetsA, y) && batch.TargetsB.data<long>().ToArray().SequenceEqual(perm.Select(p => 3 * p));
                bool lam = alpha <= 0 ? batch.Lambda == 1.0 : batch.Lambda is >= 0 and <= 1;
                bool unmixed = alpha > 0 || batch.MixedInputs.allclose(x, 0, 0);
                return isPermutation && mixed && targets && lam && unmixed;
            });
        }

        [Fact]
        public void ReproducibleFromTheSeed()
        {
            using var scope = NewDisposeScope();
            var x = arange(40, ScalarType.Float32).reshape(10, 4);
            var y = arange(10, ScalarType.Int64);
            var a = new Mixup(1.0, seed: 5);
            var b = new Mixup(1.0, seed: 5);
            for (int step = 0; step < 3; step++)
            {
                using var ba = a.Apply(x, y);
                using var bb = b.Apply(x, y);
                Assert.Equal(ba.Lambda, bb.Lambda);
                Assert.Equal(ba.Permutation, bb.Permutation);
                Assert.True(ba.MixedInputs.allclose(bb.MixedInputs, 0, 0));
            }
            Assert.NotEqual(new Mixup(1.0, 5).SampleLambda(), new Mixup(1.0, 6).SampleLambda());
        }

        [Fact]
        public void PairsWithTheMixupCriterionAndKeepsTheCallersTargets()
        {
            using var scope = NewDisposeScope();
            var x = randn(6, 5, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1, 1, 2, 4, 4 });
            var soft = nn.functional.one_hot(y, 5).to_type(ScalarType.Float32);
            using var criterion = new ArbLoss(5);
            var batch = new Mixup(0.4, seed: 1).Apply(x, y);
            var logits = batch.MixedInputs.mul(2);
            var viaBatch = batch.Loss(criterion, logits).item<double>();
            var viaCriterion = MixupLoss.Compute(criterion, logits, y, batch.TargetsB, batch.Lambda).item<double>();
            Assert.Equal(viaCriterion, viaBatch, 12);
            batch.Dispose();
            Assert.False(y.IsInvalid);
            Assert.True(batch.MixedInputs.IsInvalid);
            using var softBatch = new Mixup(0.4, seed: 1).Apply(x.to_type(ScalarType.Float16), soft);
            Assert.Equal(ScalarType.Float16, softBatch.MixedInputs.dtype);
            Assert.Equal(new long[] { 6, 5 }, softBatch.TargetsB.shape);
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var mixup = new Mixup();
            Assert.Throws<ArgumentOutOfRangeException>("alpha", () => new Mixup(double.NaN));
            Assert.Throws<ArgumentOutOfRangeException>("alpha", () => new Mixup(double.PositiveInfinity));
            Assert.Throws<ArgumentNullException>("inputs", () => mixup.Apply(null!, zeros(2)));
            Assert.Throws<ArgumentNullException>("targets", () => mixup.Apply(zeros(2, 2), null!));
            Assert.Throws<ArgumentException>("inputs", () => mixup.Apply(zeros(2, 2, ScalarType.Int64), zeros(2)));
            Assert.Throws<ArgumentException>("inputs", () => mixup.Apply(tensor(1.0f), zeros(2)));
            Assert.Throws<ArgumentException>("targets", () => mixup.Apply(zeros(3, 2), zeros(2)));
        }
    }
}
