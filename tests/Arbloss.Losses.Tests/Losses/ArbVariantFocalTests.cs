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
    /// <summary>Focal ARB-Loss (the authors' ARB_Loss_FL): -(1 - p_y)^gamma log p_y with p = softmax(z + log n).</summary>
    public class ArbVariantFocalTests
    {
        private static readonly double[] Gammas = { 0, 0.5, 1, 2, 3.5 };

        private static ArbFocalLoss Module(LossCase c, CountSource mode, double gamma, nn.Reduction r) =>
            mode == CountSource.Batch ? new ArbFocalLoss(c.Classes, gamma, r) : new ArbFocalLoss(c.Counts, gamma, r);

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(ArbVariantHost.With(Gammas), t =>
        {
            var (c, mode, r, gamma) = t;
            using var loss = Module(c, mode, gamma, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleFunctionalAndExplicitCountsEqualTheHostFormula() => Prop.ForAll(ArbVariantHost.With(Gammas), t =>
        {
            var (c, mode, r, gamma) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var n = ArbVariantHost.Counts(c, mode);
            var expected = HostReference.Reduce(ArbVariantHost.Focal(c, n, gamma), r);
            using var module = Module(c, mode, gamma, r);
            var functional = Functional.arb_focal_loss(x, y, mode == CountSource.Global ? c.CountsTensor() : null, gamma, r);
            using var other = new ArbFocalLoss(c.Classes, gamma, r);
            var explicitCounts = other.forward(x, y, tensor(n.Select(v => (double)v).ToArray(), ScalarType.Float64));
            foreach (var (what, loss) in new[] { ("module", module.call(x, y)), ("functional", functional), ("explicit", explicitCounts) })
                Numerics.AssertClose(expected, Values(loss), 1e-9, 1e-12, $"{what} {mode} {r} gamma={gamma} {c}");
            return true;
        });

        [Property(MaxTest = 50)]
        public Property GammaZeroIsArbLoss() => Prop.ForAll(ArbVariantHost.With(new[] { 0.0 }), t =>
        {
            var (c, mode, r, _) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var focal = Module(c, mode, 0, r);
            using var arb = mode == CountSource.Batch ? new ArbLoss(c.Classes, r) : new ArbLoss(c.Counts, r);
            Tensor? counts = mode == CountSource.Global ? c.CountsTensor() : null;
            return Same(focal.call(x, y), arb.call(x, y), 1e-12, 1e-12)
                && Same(Functional.arb_focal_loss(x, y, counts, 0, r), Functional.arb_loss(x, y, counts, r), 1e-12, 1e-12);
        });

        [Property(MaxTest = 40)]
        public Property ClassesWithoutCountGetExactlyZeroGradient() => Prop.ForAll(ArbVariantHost.With(Gammas), t =>
        {
            var (c, mode, r, gamma) = t;
            using var loss = Module(c, mode, gamma, r);
            return ArbVariantHost.AbsentClassesGetNoGradient(c, ArbVariantHost.Counts(c, mode), x => loss.call(x, c.TargetTensor()));
        });

        [Fact]
        public void ConfidentPredictionsStayFiniteWithoutClamp()
        {
            using var scope = NewDisposeScope();
            // Logits far outside the authors' [-30, 30] clamp: the log-softmax form keeps loss and gradient exact.
            var x = tensor(new double[] { 80, 0, -50, -200, 0, 40 }, ScalarType.Float64).reshape(2, 3).requires_grad_(true);
            var y = tensor(new long[] { 2, 0 });
            using var loss = new ArbFocalLoss(3, 0.5, nn.Reduction.None);
            var l = loss.call(x, y);
            l.sum().backward();
            Assert.True(x.grad!.isfinite().all().item<bool>());
            // Class 1 is absent from the batch: -log p_y = 130 and 240 (the authors' clamp to [-30, 30] would give 60 for both), and
            // (1 - p_y)^0.5 rounds to 1.
            Assert.Equal(130.0, l[0].item<double>(), 9);
            Assert.Equal(240.0, l[1].item<double>(), 9);
            Assert.Equal(0.0, x.grad![0, 1].item<double>());
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new ArbFocalLoss(3, 2, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => new ArbFocalLoss(counts, 2, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.arb_focal_loss(x, y, tensor(counts), 1, r), 3);
            AssertEmptyBatch((x, y, r) => Functional.arb_focal_loss(x, y, null, 1, r), 3);
            AssertHalfPrecision((x, y) => new ArbFocalLoss(3).call(x, y));
            AssertHalfPrecision((x, y) => new ArbFocalLoss(counts, 0.5).call(x, y));
            AssertHalfPrecision((x, y) => Functional.arb_focal_loss(x, y));
        }

        [Fact]
        public void BadArgumentsAreNamed()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new ArbFocalLoss(3, -1));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new ArbFocalLoss(3, double.NaN));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new ArbFocalLoss(new long[] { 1, 2 }, double.PositiveInfinity));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => Functional.arb_focal_loss(x, y, gamma: -0.5));
            Assert.Throws<ArgumentOutOfRangeException>("numClasses", () => new ArbFocalLoss(0));
            Assert.Throws<ArgumentNullException>("classCounts", () => new ArbFocalLoss(null!));
            ArbVariantHost.Rejects("classCounts", () => new ArbFocalLoss(Array.Empty<long>()));
            ArbVariantHost.Rejects("classCounts", () => new ArbFocalLoss(new long[] { 3, -1 }));
            ArbVariantHost.Rejects("classCounts", () => new ArbFocalLoss(new long[] { 0, 0 }));
            using var batch = new ArbFocalLoss(3);
            using var global = new ArbFocalLoss(new long[] { 5, 0, 2 });
            ArbVariantHost.Rejects("input", () => batch.call(zeros(2, 4, ScalarType.Float64), y));
            ArbVariantHost.Rejects("input", () => batch.call(zeros(2, 3, ScalarType.Int64), y));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new long[] { 0, 3 })));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new long[] { 0 })));
            ArbVariantHost.Rejects("target", () => global.call(x, tensor(new long[] { -1, 0 })));
            ArbVariantHost.Rejects("classCounts", () => global.call(x, y)); // class 1 has no training samples
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new long[] { 1, 2 })));
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new long[] { 1, 0, 2 })));
            Assert.Throws<ArgumentNullException>("classCounts", () => batch.forward(x, y, null!));
            ArbVariantHost.Rejects("classCounts", () => Functional.arb_focal_loss(x, y, tensor(new double[] { 1, double.NaN, 1 })));
            ArbVariantHost.Rejects("target", () => Functional.arb_focal_loss(x, tensor(new long[] { 0, 5 })));
        }
    }
}
