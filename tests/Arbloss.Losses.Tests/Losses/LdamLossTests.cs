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
    public class LdamLossTests
    {
        private static readonly double[] Scales = { 1, 5, 30 };

        /// <summary>The definition written out: cross-entropy of s * (z - m_y e_y), optionally class-weighted as PyTorch.</summary>
        private static Tensor Reference(Tensor x, Tensor y, long[] counts, double maxMargin, double s, double[]? w, nn.Reduction r)
        {
            var present = counts.Where(n => n > 0).Select(n => Math.Pow(n, -0.25)).ToArray();
            double top = present.Max();
            var m = counts.Select(n => n > 0 ? maxMargin * Math.Pow(n, -0.25) / top : maxMargin).ToArray();
            var onehot = nn.functional.one_hot(y, counts.Length).to_type(ScalarType.Float64);
            var margin = onehot.mul(tensor(m, ScalarType.Float64));
            var shifted = x.sub(margin).mul(s);
            return w is null
                ? nn.functional.cross_entropy(shifted, y, reduction: r)
                : nn.functional.cross_entropy(shifted, y, tensor(w, ScalarType.Float64), reduction: r);
        }

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(With(Scales), t =>
        {
            var (c, r, s) = t;
            using var loss = new LdamLoss(c.Counts, 0.5, s, r);
            if (c.Batch > 1) loss.SetClassWeights(Enumerable.Range(1, c.Classes).Select(i => i / 2.0).ToArray());
            // Logits are scaled by s: curvature grows with s^2, so the absolute tolerance does too.
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()), 1e-6 * s * s);
        });

        [Property(MaxTest = 50)]
        public Property ModuleEqualsFunctionalAndTheDefinition() => Prop.ForAll(With(Scales), t =>
        {
            var (c, r, s) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var w = c.Counts.Select((n, i) => 0.25 + i).ToArray();
            using var module = new LdamLoss(c.Counts, 0.7, s, r);
            bool unweighted = Same(module.call(x, y), Functional.ldam_loss(x, y, c.CountsTensor(), 0.7, s, reduction: r))
                && Same(module.call(x, y), Reference(x, y, c.Counts, 0.7, s, null, r));
            module.SetClassWeights(w);
            bool weighted = Same(module.call(x, y), Functional.ldam_loss(x, y, c.CountsTensor(), 0.7, s, tensor(w), r))
                && Same(module.call(x, y), Reference(x, y, c.Counts, 0.7, s, w, r));
            return unweighted && weighted;
        });

        [Property(MaxTest = 50)]
        public Property ZeroMarginAndUnitScaleGivePlainCrossEntropy() => Prop.ForAll(With(new[] { 0.0 }), t =>
        {
            var (c, r, _) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var loss = new LdamLoss(c.Counts, maxMargin: 0, scale: 1, reduction: r);
            return Same(loss.call(x, y), CrossEntropy(x, y, r));
        });

        [Fact]
        public void MarginsFollowTheFourthRootAndEmptyClassesGetTheLargest()
        {
            using var loss = new LdamLoss(new long[] { 10000, 100, 0, 1 }, maxMargin: 0.5);
            Numerics.AssertClose(new[] { 0.05, 0.5 / Math.Sqrt(10), 0.5, 0.5 }, loss.Margins.ToArray(), 1e-12, 0, "margins");
            Assert.Equal(4, loss.NumClasses);
            Assert.Null(loss.ClassWeights);
        }

        [Fact]
        public void WeightedMeanWithAllZeroWeightsIsZeroNotNaN()
        {
            using var scope = NewDisposeScope();
            using var loss = new LdamLoss(new long[] { 5, 0 });
            loss.SetClassWeights(new[] { 1.0, 0.0 });
            var x = tensor(new double[] { 0.2, 0.9 }, ScalarType.Float64).reshape(1, 2).requires_grad_(true);
            var l = loss.call(x, tensor(new long[] { 1 }));
            Assert.Equal(0.0, l.item<double>());
            l.backward();
            Assert.Equal(new[] { 0.0, 0.0 }, x.grad!.data<double>().ToArray());
            loss.SetClassWeights(null);
            Assert.True(loss.call(x, tensor(new long[] { 1 })).item<double>() > 0);
        }

        [Fact]
        public void DeferredReweightingSwitchesOnAtTheStartEpoch()
        {
            var counts = new long[] { 5000, 500, 50 };
            var drw = new DeferredReweighting(counts, startEpoch: 160);
            Assert.Equal(new double[] { 1, 1, 1 }, drw.WeightsAt(0));
            Assert.Equal(new double[] { 1, 1, 1 }, drw.WeightsAt(159));
            Assert.False(drw.IsReweighting(159));
            Assert.True(drw.IsReweighting(160));
            Assert.Equal(Arbloss.Losses.LongTail.ClassWeights.EffectiveNumber(counts, 0.9999), drw.WeightsAt(160));
            var w = drw.WeightsAt(200);
            Assert.True(w[2] > w[1] && w[1] > w[0]);
            Assert.Equal(3.0, w.Sum(), 12);

            using var scope = NewDisposeScope();
            using var loss = new LdamLoss(counts);
            var x = tensor(new double[] { 0.3, 0.1, -0.2, 0.0, 0.5, 0.2 }, ScalarType.Float64).reshape(2, 3);
            var y = tensor(new long[] { 0, 2 });
            drw.Apply(loss, 10);
            double before = loss.call(x, y).item<double>();
            using (var plain = new LdamLoss(counts)) Assert.Equal(plain.call(x, y).item<double>(), before, 12);
            drw.Apply(loss, 170);
            Assert.Equal(w, loss.ClassWeights);
            Assert.Equal(Functional.ldam_loss(x, y, tensor(counts), weight: tensor(w)).item<double>(), loss.call(x, y).item<double>(), 12);
            Assert.Throws<ArgumentException>("loss", () => drw.Apply(new LdamLoss(new long[] { 1, 2 }), 0));
            Assert.Throws<ArgumentOutOfRangeException>("startEpoch", () => new DeferredReweighting(counts, -1));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => new DeferredReweighting(counts, 1, 1.5));
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new LdamLoss(counts, reduction: r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.ldam_loss(x, y, tensor(counts), weight: tensor(new double[] { 1, 2, 3 }), reduction: r), 3);
            AssertHalfPrecision((x, y) => new LdamLoss(counts, scale: 2).call(x, y));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentNullException>("classCounts", () => new LdamLoss(null!));
            Assert.Throws<ArgumentException>("classCounts", () => new LdamLoss(new long[] { 0, 0 }));
            Assert.Throws<ArgumentOutOfRangeException>("maxMargin", () => new LdamLoss(new long[] { 1 }, -0.5));
            Assert.Throws<ArgumentOutOfRangeException>("scale", () => new LdamLoss(new long[] { 1 }, 0.5, 0));
            Assert.Throws<ArgumentOutOfRangeException>("scale", () => new LdamLoss(new long[] { 1 }, 0.5, double.PositiveInfinity));
            using var loss = new LdamLoss(new long[] { 3, 2, 1 });
            Assert.Throws<ArgumentException>("weights", () => loss.SetClassWeights(new[] { 1.0, 2.0 }));
            Assert.Throws<ArgumentException>("weights", () => loss.SetClassWeights(new[] { 1.0, -2.0, 1 }));
            Assert.Throws<ArgumentException>("input", () => loss.call(zeros(2, 4), y));
            Assert.Throws<ArgumentException>("target", () => loss.call(x, tensor(new long[] { 0, 5 })));
            Assert.Throws<ArgumentException>("weight", () => Functional.ldam_loss(x, y, tensor(new long[] { 1, 2, 3 }), weight: tensor(new double[] { 1, 2 })));
            Assert.Throws<ArgumentException>("weight", () => Functional.ldam_loss(x, y, tensor(new long[] { 1, 2, 3 }), weight: tensor(new long[] { 1, 2, 3 })));
            Assert.Throws<ArgumentException>("weight", () => Functional.ldam_loss(x, y, tensor(new long[] { 1, 2, 3 }), weight: tensor(new double[] { 1, double.NaN, 3 })));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.ldam_loss(x, y, tensor(new long[] { 0, 0, 0 })));
        }
    }
}
