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
    /// <summary>Weighted ARB-Loss (the authors' WARB_Loss): (m / n_y) * ARB, m = sum(n) / #{n > 0}.</summary>
    public class ArbVariantWeightedTests
    {
        private static readonly double[] NoParameter = { 0 };

        private static WeightedArbLoss Module(LossCase c, CountSource mode, nn.Reduction r) =>
            mode == CountSource.Batch ? new WeightedArbLoss(c.Classes, r) : new WeightedArbLoss(c.Counts, r);

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(ArbVariantHost.With(NoParameter), t =>
        {
            var (c, mode, r, _) = t;
            using var loss = Module(c, mode, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleFunctionalAndExplicitCountsEqualTheHostFormula() => Prop.ForAll(ArbVariantHost.With(NoParameter), t =>
        {
            var (c, mode, r, _) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var n = ArbVariantHost.Counts(c, mode);
            var expected = HostReference.Reduce(ArbVariantHost.Weighted(c, n), r);
            using var module = Module(c, mode, r);
            var functional = Functional.weighted_arb_loss(x, y, mode == CountSource.Global ? c.CountsTensor() : null, r);
            using var other = new WeightedArbLoss(c.Classes, r);
            var explicitCounts = other.forward(x, y, tensor(n.Select(v => (float)v).ToArray()));
            foreach (var (what, loss) in new[] { ("module", module.call(x, y)), ("functional", functional), ("explicit", explicitCounts) })
                Numerics.AssertClose(expected, Values(loss), 1e-9, 1e-12, $"{what} {mode} {r} {c}");
            return true;
        });

        [Property(MaxTest = 50)]
        public Property BalancedBatchIsArbLossWithBatchCounts() => Prop.ForAll(ArbVariantHost.BalancedBatches(), t =>
        {
            var (c, r) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var weighted = new WeightedArbLoss(c.Classes, r);
            using var arb = new ArbLoss(c.Classes, r);
            return Same(weighted.call(x, y), arb.call(x, y), 1e-12, 1e-12)
                && Same(Functional.weighted_arb_loss(x, y, null, r), Functional.arb_loss(x, y, null, r), 1e-12, 1e-12);
        });

        [Property(MaxTest = 50)]
        public Property EqualGlobalCountsAreArbLoss() => Prop.ForAll(ArbVariantHost.With(new[] { 1.0, 7, 1000 }), t =>
        {
            var (c, _, r, k) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var equal = Enumerable.Repeat((long)k, c.Classes).ToArray();
            using var weighted = new WeightedArbLoss(equal, r);
            using var arb = new ArbLoss(equal, r);
            Assert.All(weighted.ClassWeights!, w => Assert.Equal(1.0, w));
            return Same(weighted.call(x, y), arb.call(x, y), 1e-12, 1e-12)
                && Same(Functional.weighted_arb_loss(x, y, tensor(equal), r), arb.call(x, y), 1e-12, 1e-12);
        });

        [Property(MaxTest = 40)]
        public Property ClassesWithoutCountGetExactlyZeroGradient() => Prop.ForAll(ArbVariantHost.With(NoParameter), t =>
        {
            var (c, mode, r, _) = t;
            using var loss = Module(c, mode, r);
            return ArbVariantHost.AbsentClassesGetNoGradient(c, ArbVariantHost.Counts(c, mode), x => loss.call(x, c.TargetTensor()));
        });

        [Fact]
        public void GlobalWeightsFollowTheMeanCountOverNonEmptyClasses()
        {
            using var loss = new WeightedArbLoss(new long[] { 60, 30, 0, 10 });
            // m = 100 / 3 (class 2 has no samples and is left out of the mean).
            Assert.Equal(new[] { 100.0 / 3 / 60, 100.0 / 3 / 30, 0, 100.0 / 3 / 10 }, loss.ClassWeights!.ToArray());
            Assert.Null(new WeightedArbLoss(4).ClassWeights);
        }

        [Fact]
        public void WeightsAreConstantsAndLargeBatchesAgreeWithTheComposition()
        {
            // B x C = 2^18 with gradients: the per-sample ARB term takes the hand-written backward (FusedArbLoss).
            using var scope = NewDisposeScope();
            var gen = new Generator(11);
            const int b = 512, c = 512;
            var x = (randn(b, c, ScalarType.Float64, generator: gen) * 3).requires_grad_(true);
            var y = randint(0, 300, new long[] { b }, generator: gen);
            using var loss = new WeightedArbLoss(c);
            loss.call(x, y).backward();

            var x2 = x.detach().clone().requires_grad_(true);
            var counts = y.bincount(null, c).to_type(ScalarType.Float64);
            var present = counts.gt(0);
            var m = counts.sum() / present.sum();
            var w = (m / counts.index_select(0, y)).detach();
            var reference = (nn.functional.cross_entropy(x2 + counts.log(), y, reduction: nn.Reduction.None) * w).mean();
            reference.backward();
            Numerics.AssertClose(Values(x2.grad!), Values(x.grad!), 1e-10, 1e-14, "large-batch gradient");
            Assert.Equal(0.0, x.grad!.index_select(1, arange(300, c)).abs().max().item<double>());
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new WeightedArbLoss(3, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => new WeightedArbLoss(counts, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => new WeightedArbLoss(3, r).forward(x, y, tensor(counts)), 3);
            AssertEmptyBatch((x, y, r) => Functional.weighted_arb_loss(x, y, null, r), 3);
            AssertHalfPrecision((x, y) => new WeightedArbLoss(3).call(x, y));
            AssertHalfPrecision((x, y) => new WeightedArbLoss(counts).call(x, y));
            AssertHalfPrecision((x, y) => Functional.weighted_arb_loss(x, y, tensor(counts)));
        }

        [Fact]
        public void BadArgumentsAreNamed()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentOutOfRangeException>("numClasses", () => new WeightedArbLoss(0));
            Assert.Throws<ArgumentNullException>("classCounts", () => new WeightedArbLoss(null!));
            ArbVariantHost.Rejects("classCounts", () => new WeightedArbLoss(Array.Empty<long>()));
            ArbVariantHost.Rejects("classCounts", () => new WeightedArbLoss(new long[] { 3, -1 }));
            ArbVariantHost.Rejects("classCounts", () => new WeightedArbLoss(new long[] { 0, 0, 0 }));
            using var batch = new WeightedArbLoss(3);
            using var global = new WeightedArbLoss(new long[] { 5, 0, 2 });
            ArbVariantHost.Rejects("input", () => batch.call(zeros(2, 2, ScalarType.Float64), y));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new long[] { 0, 3 })));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new long[] { -1, 0 })));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new[] { 0, 1 })));
            ArbVariantHost.Rejects("target", () => global.call(x, tensor(new long[] { 0, 3 })));
            ArbVariantHost.Rejects("classCounts", () => global.call(x, y));
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new long[] { 1, 2, 3, 4 })));
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new double[] { 1, -2, 3 })));
            Assert.Throws<ArgumentNullException>("classCounts", () => batch.forward(x, y, null!));
            ArbVariantHost.Rejects("classCounts", () => Functional.weighted_arb_loss(x, y, tensor(new long[] { 0, 1, 1 })));
            ArbVariantHost.Rejects("target", () => Functional.weighted_arb_loss(x, tensor(new long[] { 0, 9 })));
        }
    }
}
