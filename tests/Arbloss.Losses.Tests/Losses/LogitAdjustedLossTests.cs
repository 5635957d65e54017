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
    public class LogitAdjustedLossTests
    {
        private static readonly double[] Taus = { 0, 0.5, 1, 2 };

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(With(Taus), t =>
        {
            var (c, r, tau) = t;
            using var loss = new LogitAdjustedLoss(c.Counts, tau, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleEqualsFunctionalAndTheDefinition() => Prop.ForAll(With(Taus), t =>
        {
            var (c, r, tau) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var module = new LogitAdjustedLoss(c.Counts, tau, r);
            var m = module.call(x, y);
            var f = Functional.logit_adjusted_loss(x, y, c.CountsTensor(), tau, r);
            // The definition in doubles: softmax of z + tau log pi is that of z + log n^tau (the normaliser of pi
            // cancels); with tau > 0 a class of count 0 drops out, with tau = 0 every class weighs 1.
            var weights = c.Counts.Select(n => tau == 0 ? 1.0 : Math.Pow(n, tau)).ToArray();
            var reference = HostReference.Reduce(HostReference.Arb(c.Logits, c.Batch, c.Classes, c.Target, weights), r);
            Numerics.AssertClose(reference, Values(m), 1e-10, 1e-12, $"module, tau {tau}, {c}");
            return Same(m, f);
        });

        [Property(MaxTest = 50)]
        public Property TauZeroAndEqualCountsGivePlainCrossEntropy() => Prop.ForAll(With(new[] { 0.3, 1.7 }), t =>
        {
            var (c, r, tau) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var ce = CrossEntropy(x, y, r);
            using var tauZero = new LogitAdjustedLoss(c.Counts, 0, r);
            using var equalCounts = new LogitAdjustedLoss(Enumerable.Repeat(7L, c.Classes).ToArray(), tau, r);
            return Same(tauZero.call(x, y), ce) && Same(equalCounts.call(x, y), ce)
                && Same(Functional.logit_adjusted_loss(x, y, c.CountsTensor(), 0, r), ce);
        });

        [Fact]
        public void TauOneEqualsArbLossWithGlobalCounts()
        {
            using var scope = NewDisposeScope();
            var counts = new long[] { 500, 120, 9, 1 };
            var x = tensor(new double[] { 0.3, -1.2, 2.2, 0.1, 1.0, 0.0, -0.5, 3.0 }, ScalarType.Float64).reshape(2, 4);
            var y = tensor(new long[] { 2, 3 }, ScalarType.Int64);
            using var la = new LogitAdjustedLoss(counts, 1.0);
            using var arb = new ArbLoss(counts);
            Assert.Equal(arb.call(x, y).item<double>(), la.call(x, y).item<double>(), 12);
        }

        [Fact]
        public void ZeroCountClassDropsOutAndCannotBeATarget()
        {
            using var scope = NewDisposeScope();
            var counts = new long[] { 10, 0, 5 };
            var x = tensor(new double[] { 0.5, 4.0, -0.5 }, ScalarType.Float64).reshape(1, 3).requires_grad_(true);
            using var loss = new LogitAdjustedLoss(counts, 1.0);
            var l = loss.call(x, tensor(new long[] { 0 }));
            // Same as cross-entropy over classes 0 and 2 only, with log-prior shifts.
            double a = 0.5 + Math.Log(10 / 15.0), b = -0.5 + Math.Log(5 / 15.0);
            Assert.Equal(-(a - Math.Log(Math.Exp(a) + Math.Exp(b))), l.item<double>(), 12);
            l.backward();
            Assert.Equal(0.0, x.grad![0, 1].item<double>());
            var ex = Assert.Throws<ArgumentException>("classCounts", () => loss.call(x, tensor(new long[] { 1 })));
            Assert.Contains("count is 0", ex.Message.Replace("count 0", "count is 0"));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.logit_adjusted_loss(x, tensor(new long[] { 1 }), tensor(counts)));
            // tau = 0: plain cross-entropy, the empty class is an ordinary class.
            using var plain = new LogitAdjustedLoss(counts, 0);
            Assert.True(plain.call(x, tensor(new long[] { 1 })).isfinite().item<bool>());
        }

        [Fact]
        public void PostHocAdjustment()
        {
            using var scope = NewDisposeScope();
            var counts = new long[] { 90, 10, 0 };
            var z = tensor(new double[] { 1.0, 0.5, 7.0 }, ScalarType.Float64).reshape(1, 3);
            var adjusted = Functional.posthoc_logit_adjustment(z, counts, tau: 1.0).data<double>().ToArray();
            Assert.Equal(1.0 - Math.Log(0.9), adjusted[0], 12);
            Assert.Equal(0.5 - Math.Log(0.1), adjusted[1], 12);
            Assert.Equal(double.NegativeInfinity, adjusted[2]);
            var viaTensor = Functional.posthoc_logit_adjustment(z, tensor(counts), 2.0).data<double>().ToArray();
            Assert.Equal(1.0 - 2 * Math.Log(0.9), viaTensor[0], 12);
            var same = Functional.posthoc_logit_adjustment(z, counts, 0);
            Assert.Equal(z.data<double>().ToArray(), same.data<double>().ToArray());
            Assert.Equal(ScalarType.Float32, Functional.posthoc_logit_adjustment(z.to_type(ScalarType.Float32), counts).dtype);
            Assert.Throws<ArgumentException>("classCounts", () => Functional.posthoc_logit_adjustment(z, new long[] { 1, 2 }));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.posthoc_logit_adjustment(z, new long[] { 0, 0, 0 }));
            Assert.Throws<ArgumentOutOfRangeException>("tau", () => Functional.posthoc_logit_adjustment(z, counts, -1));
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            var counts = new long[] { 9, 3, 1 };
            AssertEmptyBatch((x, y, r) => new LogitAdjustedLoss(counts, 1, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.logit_adjusted_loss(x, y, tensor(counts), 1, r), 3);
            AssertHalfPrecision((x, y) => new LogitAdjustedLoss(counts).call(x, y));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentNullException>("classCounts", () => new LogitAdjustedLoss(null!));
            Assert.Throws<ArgumentException>("classCounts", () => new LogitAdjustedLoss(new long[] { 0, 0 }));
            Assert.Throws<ArgumentException>("classCounts", () => new LogitAdjustedLoss(new long[] { 1, -1 }));
            Assert.Throws<ArgumentOutOfRangeException>("tau", () => new LogitAdjustedLoss(new long[] { 1 }, -0.1));
            Assert.Throws<ArgumentOutOfRangeException>("tau", () => new LogitAdjustedLoss(new long[] { 1 }, double.NaN));
            using var loss = new LogitAdjustedLoss(new long[] { 3, 2, 1 });
            Assert.Throws<ArgumentException>("input", () => loss.call(zeros(2, 4), y));
            Assert.Throws<ArgumentException>("input", () => loss.call(zeros(6), y));
            Assert.Throws<ArgumentException>("target", () => loss.call(x, tensor(new long[] { 0, 3 })));
            Assert.Throws<ArgumentException>("target", () => loss.call(x, tensor(new int[] { 0, 1 })));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.logit_adjusted_loss(x, y, tensor(new long[] { 1, 2 })));
            Assert.Throws<ArgumentException>("classCounts", () => Functional.logit_adjusted_loss(x, y, tensor(new double[] { 1, double.NaN, 2 })));
            Assert.Throws<ArgumentNullException>("classCounts", () => Functional.logit_adjusted_loss(x, y, null!));
        }
    }
}
