using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static Arbloss.Losses.Tests.Losses.LossTestKit;

namespace Arbloss.Losses.Tests.Losses
{
    public class ClassBalancedLossTests
    {
        private static readonly double[] Betas = { 0, 0.9, 0.99, 0.9999 };

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(With(Betas), t =>
        {
            var (c, r, beta) = t;
            var baseLoss = c.Classes % 2 == 0 ? ClassBalancedBase.Focal : ClassBalancedBase.Softmax;
            using var loss = new ClassBalancedLoss(c.Counts, beta, baseLoss, 1.5, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleEqualsFunctionalAndTheDefinition() => Prop.ForAll(With(Betas), t =>
        {
            var (c, r, beta) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var w = ClassWeights.EffectiveNumber(c.Counts, beta);
            foreach (var (kind, gamma) in new[] { (ClassBalancedBase.Softmax, 0.0), (ClassBalancedBase.Focal, 2.0) })
            {
                using var module = new ClassBalancedLoss(c.Counts, beta, kind, 2.0, r);
                Numerics.AssertClose(w, module.ClassWeights.ToArray(), 1e-10, 1e-14, "weights");
                var expected = HostReference.Reduce(HostReference.Focal(c, gamma, w), r);
                Numerics.AssertClose(expected, Values(module.call(x, y)), 1e-9, 1e-12, $"{kind} loss");
                if (!Same(module.call(x, y), Functional.class_balanced_loss(x, y, c.CountsTensor(), beta, kind, 2.0, r))) return false;
            }
            return true;
        });

        [Property(MaxTest = 50)]
        public Property BetaZeroAndEqualCountsGiveTheUnweightedLoss() => Prop.ForAll(With(new[] { 0.5, 0.9999 }, allowZeroCounts: false), t =>
        {
            var (c, r, beta) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var ce = CrossEntropy(x, y, r);
            using var betaZero = new ClassBalancedLoss(c.Counts, 0, ClassBalancedBase.Softmax, reduction: r);
            using var equal = new ClassBalancedLoss(Enumerable.Repeat(40L, c.Classes).ToArray(), beta, ClassBalancedBase.Softmax, reduction: r);
            using var focalZero = new ClassBalancedLoss(c.Counts, 0, ClassBalancedBase.Focal, 2.0, r);
            return Same(betaZero.call(x, y), ce) && Same(equal.call(x, y), ce)
                && Same(focalZero.call(x, y), Functional.focal_loss(x, y, 2.0, reduction: r));
        });

        [Fact]
        public void ZeroCountClassHasWeightZero()
        {
            using var scope = NewDisposeScope();
            using var loss = new ClassBalancedLoss(new long[] { 100, 0, 10 }, 0.99);
            Assert.Equal(0.0, loss.ClassWeights[1]);
            Assert.Equal(2.0, loss.ClassWeights[0] + loss.ClassWeights[2], 12);
            var x = tensor(new double[] { 0.1, 0.2, 0.3, 1.0, -1.0, 0.5 }, ScalarType.Float64).reshape(2, 3).requires_grad_(true);
            var l = loss.call(x, tensor(new long[] { 1, 1 }));
            Assert.Equal(0.0, l.item<double>());
            l.backward();
            Assert.True(x.grad!.eq(0).all().item<bool>());
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new ClassBalancedLoss(counts, reduction: r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.class_balanced_loss(x, y, tensor(counts), 0.9, ClassBalancedBase.Focal, 2, r), 3);
            AssertHalfPrecision((x, y) => new ClassBalancedLoss(counts, 0.99, ClassBalancedBase.Focal).call(x, y));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentNullException>("classCounts", () => new ClassBalancedLoss(null!));
            Assert.Throws<ArgumentException>("classCounts", () => new ClassBalancedLoss(new long[] { 0 }));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => new ClassBalancedLoss(new long[] { 1 }, 1.0));
            Assert.Throws<ArgumentOutOfRangeException>("beta", () => new ClassBalancedLoss(new long[] { 1 }, -0.5));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new ClassBalancedLoss(new long[] { 1 }, 0.9, ClassBalancedBase.Focal, -1));
            Assert.Throws<ArgumentOutOfRangeException>("baseLoss", () => new ClassBalancedLoss(new long[] { 1 }, 0.9, (ClassBalancedBase)5));
            using var loss = new ClassBalancedLoss(new long[] { 3, 2, 1 });
            Assert.Throws<ArgumentException>("input", () => loss.call(zeros(2, 2), y));
            Assert.Throws<ArgumentException>("target", () => loss.call(x, tensor(new long[] { -1, 0 })));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.class_balanced_loss(x, y, tensor(new long[] { 1, -2, 3 })));
        }
    }
}
