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
    /// <summary>ARB-Loss with MiSLAS's label-aware smoothing on z + log n.</summary>
    public class ArbVariantSmoothingTests
    {
        private static readonly double[] Shapes = { 0, 1, 2, 3 };

        private static ArbLabelAwareSmoothingLoss Module(LossCase c, CountSource mode, double head, double tail, SmoothingShape shape, double power, nn.Reduction r) =>
            new(c.Counts, mode, head, tail, shape, power, r);

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(ArbVariantHost.With(Shapes), t =>
        {
            var (c, mode, r, shape) = t;
            using var loss = Module(c, mode, 0.4, 0.1, (SmoothingShape)shape, 1.5, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleFunctionalAndExplicitCountsEqualTheHostFormula() => Prop.ForAll(ArbVariantHost.With(Shapes), t =>
        {
            var (c, mode, r, shapeIndex) = t;
            var shape = (SmoothingShape)shapeIndex;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var n = ArbVariantHost.Counts(c, mode);
            var eps = ArbVariantHost.Factors(c.Counts, 0.3, 0.05, shape, 3);
            var expected = HostReference.Reduce(ArbVariantHost.Smoothing(c, n, eps), r);
            using var module = Module(c, mode, 0.3, 0.05, shape, 3, r);
            Numerics.AssertClose(eps, module.Smoothing.ToArray(), 1e-12, 1e-15, "factors");
            var training = c.CountsTensor();
            var functional = Functional.arb_label_aware_smoothing_loss(x, y, training, mode == CountSource.Global ? training : null, 0.3, 0.05, shape, 3, r);
            using var other = Module(c, CountSource.Global, 0.3, 0.05, shape, 3, r);
            var explicitCounts = other.forward(x, y, tensor(n));
            foreach (var (what, loss) in new[] { ("module", module.call(x, y)), ("functional", functional), ("explicit", explicitCounts) })
                Numerics.AssertClose(expected, Values(loss), 1e-9, 1e-12, $"{what} {mode} {r} {shape} {c}");
            return true;
        });

        [Property(MaxTest = 50)]
        public Property ZeroSmoothingIsArbLoss() => Prop.ForAll(ArbVariantHost.With(Shapes), t =>
        {
            var (c, mode, r, shape) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var smoothed = Module(c, mode, 0, 0, (SmoothingShape)shape, 2, r);
            using var arb = mode == CountSource.Batch ? new ArbLoss(c.Classes, r) : new ArbLoss(c.Counts, r);
            Tensor? counts = mode == CountSource.Global ? c.CountsTensor() : null;
            return Same(smoothed.call(x, y), arb.call(x, y), 1e-12, 1e-12)
                && Same(Functional.arb_label_aware_smoothing_loss(x, y, c.CountsTensor(), counts, 0, 0, (SmoothingShape)shape, reduction: r),
                        Functional.arb_loss(x, y, counts, r), 1e-12, 1e-12);
        });

        [Property(MaxTest = 40)]
        public Property PositiveGlobalCountsGiveMislasOnShiftedLogits() => Prop.ForAll(ArbVariantHost.With(Shapes, allowZeroCounts: false), t =>
        {
            // Every class has a count: the smoothing is over all C classes, i.e. MiSLAS's loss of z + log n.
            var (c, _, r, shape) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var smoothed = Module(c, CountSource.Global, 0.4, 0.1, (SmoothingShape)shape, 2, r);
            using var mislas = new LabelAwareSmoothingLoss(c.Counts, 0.4, 0.1, (SmoothingShape)shape, 2, r);
            var shifted = x + tensor(c.Counts.Select(v => Math.Log(v)).ToArray(), ScalarType.Float64);
            return Same(smoothed.call(x, y), mislas.call(shifted, y));
        });

        [Property(MaxTest = 40)]
        public Property ClassesWithoutCountGetExactlyZeroGradient() => Prop.ForAll(ArbVariantHost.With(Shapes), t =>
        {
            var (c, mode, r, shape) = t;
            using var loss = Module(c, mode, 0.4, 0.1, (SmoothingShape)shape, 2, r);
            return ArbVariantHost.AbsentClassesGetNoGradient(c, ArbVariantHost.Counts(c, mode), x => loss.call(x, c.TargetTensor()));
        });

        [Fact]
        public void SmoothingComesFromTrainingCountsWhateverTheArbCounts()
        {
            using var batch = new ArbLabelAwareSmoothingLoss(new long[] { 1000, 550, 100, 0 }, CountSource.Batch, 0.4, 0.1, SmoothingShape.Linear);
            Assert.Equal(new[] { 0.4, 0.25, 0.1, 0.1 }, batch.Smoothing.Select(v => Math.Round(v, 12)).ToArray());
            Assert.Equal(CountSource.Batch, batch.CountSource);
            // Batch mode: class 3 has no training samples but is present in the batch, so it is a valid target.
            using var scope = NewDisposeScope();
            var l = batch.call(zeros(2, 4, ScalarType.Float64), tensor(new long[] { 3, 0 }));
            // Uniform logits, batch counts {1, 0, 0, 1}: p = 1/2 on both present classes; -log p = log 2 everywhere.
            Assert.Equal(Math.Log(2), l.item<double>(), 12);
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            foreach (var mode in new[] { CountSource.Batch, CountSource.Global })
            {
                AssertEmptyBatch((x, y, r) => new ArbLabelAwareSmoothingLoss(counts, mode, reduction: r).call(x, y), 3);
                AssertHalfPrecision((x, y) => new ArbLabelAwareSmoothingLoss(counts, mode).call(x, y));
            }
            AssertEmptyBatch((x, y, r) => Functional.arb_label_aware_smoothing_loss(x, y, tensor(counts), reduction: r), 3);
            AssertHalfPrecision((x, y) => Functional.arb_label_aware_smoothing_loss(x, y, tensor(counts)));
        }

        [Fact]
        public void BadArgumentsAreNamed()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            var ok = new long[] { 3, 2, 1 };
            Assert.Throws<ArgumentNullException>("trainingCounts", () => new ArbLabelAwareSmoothingLoss(null!, CountSource.Batch));
            ArbVariantHost.Rejects("trainingCounts", () => new ArbLabelAwareSmoothingLoss(Array.Empty<long>(), CountSource.Batch));
            ArbVariantHost.Rejects("trainingCounts", () => new ArbLabelAwareSmoothingLoss(new long[] { 0, 0 }, CountSource.Global));
            Assert.Throws<ArgumentOutOfRangeException>("countSource", () => new ArbLabelAwareSmoothingLoss(ok, (CountSource)7));
            foreach (var bad in new[] { 1.0, 1.5, -0.1, double.NaN })
            {
                Assert.Throws<ArgumentOutOfRangeException>("smoothHead", () => new ArbLabelAwareSmoothingLoss(ok, CountSource.Batch, bad));
                Assert.Throws<ArgumentOutOfRangeException>("smoothTail", () => new ArbLabelAwareSmoothingLoss(ok, CountSource.Batch, 0.4, bad));
                Assert.Throws<ArgumentOutOfRangeException>("smoothHead", () => Functional.arb_label_aware_smoothing_loss(x, y, tensor(ok), smoothHead: bad));
            }
            Assert.Throws<ArgumentOutOfRangeException>("shape", () => new ArbLabelAwareSmoothingLoss(ok, CountSource.Batch, 0.4, 0.1, (SmoothingShape)9));
            Assert.Throws<ArgumentOutOfRangeException>("power", () => new ArbLabelAwareSmoothingLoss(ok, CountSource.Batch, 0.4, 0.1, SmoothingShape.Exponential, 0));
            using var batch = new ArbLabelAwareSmoothingLoss(ok, CountSource.Batch);
            using var global = new ArbLabelAwareSmoothingLoss(new long[] { 5, 0, 2 }, CountSource.Global);
            ArbVariantHost.Rejects("input", () => batch.call(zeros(2, 4, ScalarType.Float64), y));
            ArbVariantHost.Rejects("target", () => batch.call(x, tensor(new long[] { 0, 3 })));
            ArbVariantHost.Rejects("target", () => global.call(x, tensor(new long[] { 0, -2 })));
            ArbVariantHost.Rejects("trainingCounts", () => global.call(x, y));
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new long[] { 1, 2 })));
            ArbVariantHost.Rejects("classCounts", () => batch.forward(x, y, tensor(new long[] { 1, 0, 2 })));
            Assert.Throws<ArgumentNullException>("classCounts", () => batch.forward(x, y, null!));
            Assert.Throws<ArgumentNullException>("trainingCounts", () => Functional.arb_label_aware_smoothing_loss(x, y, null!));
            ArbVariantHost.Rejects("trainingCounts", () => Functional.arb_label_aware_smoothing_loss(x, y, tensor(new long[] { 1, 2 })));
            ArbVariantHost.Rejects("trainingCounts", () => Functional.arb_label_aware_smoothing_loss(x, y, tensor(new long[] { 0, 0, 0 })));
            ArbVariantHost.Rejects("classCounts", () => Functional.arb_label_aware_smoothing_loss(x, y, tensor(ok), tensor(new long[] { 0, 1, 1 })));
        }
    }
}
