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
    public class LabelAwareSmoothingLossTests
    {
        private static readonly double[] Shapes = { 0, 1, 2, 3 };

        /// <summary>MiSLAS's formulas written out on the host (non-empty classes; empty ones get the tail factor).</summary>
        private static double[] Factors(long[] counts, double head, double tail, SmoothingShape shape, double power)
        {
            var present = counts.Where(n => n > 0).ToArray();
            double n1 = present.Max(), nk = present.Min();
            return counts.Select(n =>
            {
                if (n == 0) return tail;
                double x = n1 == nk ? 1 : (n - nk) / (n1 - nk);
                return shape switch
                {
                    SmoothingShape.Concave => tail + (head - tail) * Math.Sin(x * Math.PI / 2),
                    SmoothingShape.Linear => tail + (head - tail) * x,
                    SmoothingShape.Convex => head + (head - tail) * Math.Sin(1.5 * Math.PI + x * Math.PI / 2),
                    _ => tail + (head - tail) * Math.Pow(x, power),
                };
            }).ToArray();
        }

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(With(Shapes), t =>
        {
            var (c, r, shape) = t;
            using var loss = new LabelAwareSmoothingLoss(c.Counts, 0.4, 0.1, (SmoothingShape)shape, 1.5, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleEqualsFunctionalAndTheDefinition() => Prop.ForAll(With(Shapes), t =>
        {
            var (c, r, shapeIndex) = t;
            var shape = (SmoothingShape)shapeIndex;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var eps = Factors(c.Counts, 0.3, 0.05, shape, 3);
            using var module = new LabelAwareSmoothingLoss(c.Counts, 0.3, 0.05, shape, 3, r);
            Numerics.AssertClose(eps, module.Smoothing.ToArray(), 1e-12, 1e-15, "factors");
            Numerics.AssertClose(HostReference.Reduce(HostReference.Smoothing(c, eps), r), Values(module.call(x, y)), 1e-9, 1e-12, "loss");
            return Same(module.call(x, y), Functional.label_aware_smoothing_loss(x, y, c.CountsTensor(), 0.3, 0.05, shape, 3, r));
        });

        [Property(MaxTest = 50)]
        public Property ZeroSmoothingGivesCrossEntropyAndEqualCountsGiveUniformSmoothing() => Prop.ForAll(With(Shapes), t =>
        {
            var (c, r, shape) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var none = new LabelAwareSmoothingLoss(c.Counts, 0, 0, (SmoothingShape)shape, reduction: r);
            using var equal = new LabelAwareSmoothingLoss(Enumerable.Repeat(9L, c.Classes).ToArray(), 0.25, 0.05, (SmoothingShape)shape, reduction: r);
            // Equal counts: every class is the head; the loss is TorchSharp's uniform label smoothing.
            var smoothed = nn.functional.cross_entropy(x, y, reduction: r, label_smoothing: 0.25);
            return Same(none.call(x, y), CrossEntropy(x, y, r)) && Same(equal.call(x, y), smoothed);
        });

        [Fact]
        public void ShapesRunFromTailToHead()
        {
            var counts = new long[] { 1000, 550, 100, 0 };
            foreach (var shape in Enum.GetValues<SmoothingShape>())
            {
                using var loss = new LabelAwareSmoothingLoss(counts, 0.4, 0.1, shape, 2);
                Assert.Equal(0.4, loss.Smoothing[0], 12);
                Assert.Equal(0.1, loss.Smoothing[2], 12);
                Assert.Equal(0.1, loss.Smoothing[3]);
            }
            // The middle class (x = 0.5): concave above linear above convex; exponential with power 2 gives x^2.
            double S(SmoothingShape s) => new LabelAwareSmoothingLoss(counts, 0.4, 0.1, s, 2).Smoothing[1];
            Assert.Equal(0.1 + 0.3 * Math.Sin(Math.PI / 4), S(SmoothingShape.Concave), 12);
            Assert.Equal(0.25, S(SmoothingShape.Linear), 12);
            Assert.Equal(0.4 - 0.3 * Math.Cos(Math.PI / 4), S(SmoothingShape.Convex), 12);
            Assert.Equal(0.1 + 0.3 * 0.25, S(SmoothingShape.Exponential), 12);
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new LabelAwareSmoothingLoss(counts, reduction: r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.label_aware_smoothing_loss(x, y, tensor(counts), reduction: r), 3);
            AssertHalfPrecision((x, y) => new LabelAwareSmoothingLoss(counts).call(x, y));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentNullException>("classCounts", () => new LabelAwareSmoothingLoss(null!));
            Assert.Throws<ArgumentOutOfRangeException>("smoothHead", () => new LabelAwareSmoothingLoss(new long[] { 1 }, 1.5));
            Assert.Throws<ArgumentOutOfRangeException>("smoothTail", () => new LabelAwareSmoothingLoss(new long[] { 1 }, 0.4, -0.1));
            Assert.Throws<ArgumentOutOfRangeException>("shape", () => new LabelAwareSmoothingLoss(new long[] { 1 }, 0.4, 0.1, (SmoothingShape)9));
            Assert.Throws<ArgumentOutOfRangeException>("power", () => new LabelAwareSmoothingLoss(new long[] { 1 }, 0.4, 0.1, SmoothingShape.Exponential, 0));
            using var loss = new LabelAwareSmoothingLoss(new long[] { 3, 2, 1 });
            Assert.Throws<ArgumentException>("target", () => loss.call(x, tensor(new long[] { 0, 3 })));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.label_aware_smoothing_loss(x, y, tensor(new long[] { 1, 2 })));
        }
    }
}
