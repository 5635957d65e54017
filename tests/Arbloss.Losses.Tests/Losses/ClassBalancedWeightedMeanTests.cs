using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Arbloss.Losses.Tests.Losses.LossTestKit;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// The two Mean reductions of the class-balanced loss, each against a formula written out here on the host:
    /// Cui et al.'s <c>sum w_y l / B</c> (the default) and TorchSharp's weighted mean <c>sum w_y l / sum w_y</c>.
    /// </summary>
    public class ClassBalancedWeightedMeanTests
    {
        private static readonly double[] Betas = { 0, 0.9, 0.99, 0.9999 };

        /// <summary>Cui et al.'s weights: (1 - beta) / (1 - beta^n) for n > 0, 0 for n = 0, scaled to sum to the number of non-empty classes.</summary>
        private static double[] CuiWeights(long[] counts, double beta)
        {
            var raw = counts.Select(n => n > 0 ? (1 - beta) / (1 - Math.Pow(beta, n)) : 0.0).ToArray();
            double scale = counts.Count(n => n > 0) / raw.Sum();
            return raw.Select(w => w * scale).ToArray();
        }

        /// <summary>Per-sample base loss: -(1 - p_y)^gamma log p_y with log p_y = z_y - logsumexp(z).</summary>
        private static double[] BaseLoss(LossCase c, double gamma) => Enumerable.Range(0, c.Batch).Select(b =>
        {
            var z = c.Logits.Skip(b * c.Classes).Take(c.Classes).ToArray();
            double max = z.Max();
            double logPy = z[c.Target[b]] - (max + Math.Log(z.Sum(v => Math.Exp(v - max))));
            double p = Math.Exp(logPy);
            return -Math.Pow(1 - p, gamma) * logPy;
        }).ToArray();

        private static double Expected(LossCase c, double beta, double gamma, WeightedMean mean)
        {
            var w = CuiWeights(c.Counts, beta);
            var l = BaseLoss(c, gamma);
            double weighted = Enumerable.Range(0, c.Batch).Sum(b => w[c.Target[b]] * l[b]);
            double divisor = mean == WeightedMean.SampleMean ? c.Batch : Enumerable.Range(0, c.Batch).Sum(b => w[c.Target[b]]);
            return weighted / divisor;
        }

        private static Arbitrary<(LossCase Case, double Beta, bool Focal)> Inputs() =>
            (from c in Cases()
             from beta in Gen.Elements(Betas)
             from focal in Gen.Elements(false, true)
             select (c, beta, focal)).ToArbitrary();

        [Property(MaxTest = 80)]
        public Property BothMeansEqualTheirFormulaModuleAndFunctional() => Prop.ForAll(Inputs(), t =>
        {
            var (c, beta, focal) = t;
            using var scope = NewDisposeScope();
            var kind = focal ? ClassBalancedBase.Focal : ClassBalancedBase.Softmax;
            double gamma = focal ? 2.0 : 0.0;
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            foreach (var mean in new[] { WeightedMean.SampleMean, WeightedMean.WeightSum })
            {
                using var module = new ClassBalancedLoss(c.Counts, beta, kind, 2.0, nn.Reduction.Mean, mean);
                Assert.Equal(mean, module.WeightedMean);
                double expected = Expected(c, beta, gamma, mean);
                Assert.Equal(expected, module.call(x, y).item<double>(), 1e-10 * Math.Max(1, Math.Abs(expected)));
                var functional = Functional.class_balanced_loss(x, y, c.CountsTensor(), beta, kind, 2.0, nn.Reduction.Mean, mean);
                Assert.Equal(expected, functional.item<double>(), 1e-10 * Math.Max(1, Math.Abs(expected)));
            }
            // The default is Cui et al.'s sample mean.
            double sampleMean = Expected(c, beta, gamma, WeightedMean.SampleMean);
            using var byDefault = new ClassBalancedLoss(c.Counts, beta, kind, 2.0);
            Assert.Equal(sampleMean, byDefault.call(x, y).item<double>(), 1e-10 * Math.Max(1, sampleMean));
            Assert.Equal(sampleMean, Functional.class_balanced_loss(x, y, c.CountsTensor(), beta, kind, 2.0).item<double>(), 1e-10 * Math.Max(1, sampleMean));
            return true;
        });

        [Property(MaxTest = 40)]
        public Property WeightSumGradientEqualsFiniteDifferences() => Prop.ForAll(Inputs(), t =>
        {
            var (c, beta, focal) = t;
            using var loss = new ClassBalancedLoss(c.Counts, beta, focal ? ClassBalancedBase.Focal : ClassBalancedBase.Softmax, 1.5,
                nn.Reduction.Mean, WeightedMean.WeightSum);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 40)]
        public Property SumAndNoneDoNotDependOnTheMean() => Prop.ForAll(Inputs(), t =>
        {
            var (c, beta, _) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            foreach (var r in new[] { nn.Reduction.Sum, nn.Reduction.None })
            {
                using var a = new ClassBalancedLoss(c.Counts, beta, reduction: r, weightedMean: WeightedMean.SampleMean);
                using var b = new ClassBalancedLoss(c.Counts, beta, reduction: r, weightedMean: WeightedMean.WeightSum);
                if (!Same(a.call(x, y), b.call(x, y))) return false;
            }
            return true;
        });

        [Fact]
        public void WeightSumIsTorchSharpsWeightedCrossEntropyAndSampleMeanIsNot()
        {
            using var scope = NewDisposeScope();
            var counts = new long[] { 500, 50, 5 };
            var x = tensor(new double[] { 2.0, 0.5, -1.0, 0.0, 1.0, 3.0, 1.5, -0.5, 0.2, -2.0, 0.0, 1.0 }, ScalarType.Float64).reshape(4, 3);
            var y = tensor(new long[] { 0, 2, 0, 1 });
            using var cui = new ClassBalancedLoss(counts, 0.999);
            using var torchLike = new ClassBalancedLoss(counts, 0.999, weightedMean: WeightedMean.WeightSum);
            var w = tensor(cui.ClassWeights.ToArray(), ScalarType.Float64);
            var reference = nn.functional.cross_entropy(x, y, weight: w);
            Assert.Equal(reference.item<double>(), torchLike.call(x, y).item<double>(), 12);
            // On this batch the two differ by the batch's mean weight, far more than rounding.
            double meanWeight = new[] { 0, 2, 0, 1 }.Average(c => cui.ClassWeights[c]);
            Assert.Equal(torchLike.call(x, y).item<double>() * meanWeight, cui.call(x, y).item<double>(), 12);
            Assert.True(Math.Abs(meanWeight - 1) > 0.2, $"mean weight {meanWeight}");
        }

        [Fact]
        public void WeightSumOfABatchOfOnlyZeroWeightSamplesIsZeroWithZeroGradient()
        {
            using var scope = NewDisposeScope();
            using var loss = new ClassBalancedLoss(new long[] { 100, 0, 10 }, 0.99, weightedMean: WeightedMean.WeightSum);
            var x = tensor(new double[] { 0.1, 0.2, 0.3, 1.0, -1.0, 0.5 }, ScalarType.Float64).reshape(2, 3).requires_grad_(true);
            var l = loss.call(x, tensor(new long[] { 1, 1 }));
            Assert.Equal(0.0, l.item<double>());
            l.backward();
            Assert.True(x.grad!.eq(0).all().item<bool>());
            AssertEmptyBatch((input, target, r) => new ClassBalancedLoss(new long[] { 9, 3, 1 }, reduction: r, weightedMean: WeightedMean.WeightSum).call(input, target), 3);
        }

        [Fact]
        public void UnknownMeanThrowsNamingTheArgument()
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>("weightedMean", () => new ClassBalancedLoss(new long[] { 3, 1 }, weightedMean: (WeightedMean)7));
            Assert.Contains("SampleMean", e.Message);
            using var scope = NewDisposeScope();
            Assert.Throws<ArgumentOutOfRangeException>("weightedMean", () =>
                Functional.class_balanced_loss(zeros(2, 2, ScalarType.Float64), tensor(new long[] { 0, 1 }), tensor(new long[] { 3, 1 }), weightedMean: (WeightedMean)(-1)));
        }
    }
}
