using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// Mathematical properties of ArbLoss on random shapes, both count modes, all reductions and both computation
    /// paths (composed and hand-written backward), in float64. Values and gradients are checked against the definition
    /// computed on the host in plain doubles (<see cref="HostReference"/>), never against the library's own composition.
    /// </summary>
    public class ArbLossPropertyTests
    {
        private const int Runs = 60;

        [Property(MaxTest = Runs)]
        public Property GradientEqualsCentralFiniteDifferences() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), p =>
            {
                var grad = p.Gradient();
                const double h = 1e-6;
                for (int k = 0; k < p.Logits.Length; k++)
                {
                    var plus = (double[])p.Logits.Clone();
                    var minus = (double[])p.Logits.Clone();
                    plus[k] += h;
                    minus[k] -= h;
                    double fd = (p.Objective(plus) - p.Objective(minus)) / (2 * h);
                    Assert.True(Math.Abs(fd - grad[k]) <= 1e-6 + 1e-6 * Math.Abs(fd), $"{p}: d/dz[{k}] autograd {grad[k]:R} vs finite difference {fd:R}");
                }
            });

        [Property(MaxTest = Runs)]
        public Property EachGradientRowSumsToZeroAndAbsentClassesGetNone() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), p =>
            {
                var grad = p.Gradient();
                var batchCounts = p.BatchCounts();
                for (int s = 0; s < p.Batch; s++)
                {
                    double rowSum = 0;
                    for (int j = 0; j < p.Classes; j++) rowSum += grad[s * p.Classes + j];
                    Assert.True(Math.Abs(rowSum) < 1e-12, $"{p}: row {s} sums to {rowSum}");
                    for (int j = 0; j < p.Classes; j++)
                    {
                        bool absent = p.Mode == CountSource.Batch ? batchCounts[j] == 0 : p.GlobalCounts[j] == 0;
                        if (absent) Assert.Equal(0.0, grad[s * p.Classes + j]);
                    }
                }
            });

        /// <summary>
        /// The value of the module and of the functional form, on either path, against the definition evaluated on the
        /// host in plain doubles (HostReference.Arb: a log-sum-exp written in the test, not the library's tensor code).
        /// </summary>
        [Property(MaxTest = Runs)]
        public Property LossEqualsTheHostLogSumExpReference() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), p =>
            {
                using var scope = NewDisposeScope();
                var x = tensor(p.Logits, ScalarType.Float64).reshape(p.Batch, p.Classes);
                var y = tensor(p.Target);
                Tensor? counts = p.Mode == CountSource.Global ? tensor(p.GlobalCounts, ScalarType.Int64) : null;
                using var arb = p.CreateLoss();
                var expected = p.HostLoss();
                Numerics.AssertClose(expected, LossTestKit.Values(arb.call(x, y)), 1e-12, 1e-12, $"{p} module");
                Numerics.AssertClose(expected, LossTestKit.Values(Functional.ArbLossChecked(x, y, counts, p.Reduction, true, p.Path)), 1e-12, 1e-12, $"{p} functional");
            });

        /// <summary>The autograd gradient on either path against the host formula w_b (softmax(z_b + log n) - onehot(y_b)).</summary>
        [Property(MaxTest = Runs)]
        public Property GradientEqualsTheHostFormula() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), p =>
                Numerics.AssertClose(p.HostGradient(), p.Gradient(), 1e-12, 1e-14, p.ToString()));

        [Property(MaxTest = Runs)]
        public Property InvariantToRowShiftsAndCountScaling() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), Gen.Choose(-50, 50).ToArbitrary(), Gen.Choose(1, 1000).ToArbitrary(), (p, shift, scale) =>
            {
                using var scope = NewDisposeScope();
                var x = tensor(p.Logits, ScalarType.Float64).reshape(p.Batch, p.Classes);
                var y = tensor(p.Target);
                var rowShifts = tensor(Enumerable.Range(0, p.Batch).Select(i => shift * (i + 1) / 7.0).ToArray(), ScalarType.Float64).unsqueeze(1);
                var counts = tensor(p.GlobalCounts.Select(c => (double)c).ToArray(), ScalarType.Float64);
                Tensor? countsOrNull = p.Mode == CountSource.Global ? counts : null;
                var baseLoss = Functional.ArbLossChecked(x, y, countsOrNull, p.Reduction, true, p.Path);
                var shifted = Functional.ArbLossChecked(x + rowShifts, y, countsOrNull, p.Reduction, true, p.Path);
                Numerics.AssertClose(baseLoss.data<double>().ToArray(), shifted.data<double>().ToArray(), 1e-9, 1e-9, $"{p} shift {shift}");
                if (p.Mode == CountSource.Global)
                {
                    var scaled = Functional.ArbLossChecked(x, y, counts * (scale / 7.0), p.Reduction, true, p.Path);
                    Numerics.AssertClose(baseLoss.data<double>().ToArray(), scaled.data<double>().ToArray(), 1e-9, 1e-9, $"{p} scale {scale}/7");
                }
            });

        /// <summary>
        /// At uniform logits the gradient on class i's logit splits into attraction (samples of class i) and repulsion
        /// (samples of other classes). ArbLoss with batch counts balances them exactly for every class present in the
        /// batch; cross-entropy does not (unless the class holds exactly B/C of the batch).
        /// </summary>
        [Property(MaxTest = Runs)]
        public Property AttractionEqualsRepulsionAtUniformLogitsUnderArbButNotCrossEntropy() =>
            Prop.ForAll(ArbLossProblem.Arbitrary(), Gen.Choose(-5, 5).ToArbitrary(), (p, level) =>
            {
                using var scope = NewDisposeScope();
                var y = tensor(p.Target);
                var counts = p.BatchCounts();
                foreach (var useArb in new[] { true, false })
                {
                    var x = full(p.Batch, p.Classes, (double)level, ScalarType.Float64).requires_grad_(true);
                    var loss = useArb ? Functional.ArbLossChecked(x, y, null, nn.Reduction.Sum, true, p.Path) : nn.functional.cross_entropy(x, y, reduction: nn.Reduction.Sum);
                    loss.backward();
                    var g = x.grad!.data<double>().ToArray();
                    for (int i = 0; i < p.Classes; i++)
                    {
                        if (counts[i] == 0) continue;
                        double attraction = 0, repulsion = 0;
                        for (int s = 0; s < p.Batch; s++)
                        {
                            if (p.Target[s] == i) attraction += Math.Abs(g[s * p.Classes + i]);
                            else repulsion += Math.Abs(g[s * p.Classes + i]);
                        }
                        if (useArb)
                            Assert.True(Math.Abs(attraction - repulsion) < 1e-12, $"{p}: ARB class {i} attraction {attraction} repulsion {repulsion}");
                        else if (counts[i] * p.Classes != p.Batch)
                            Assert.True(Math.Abs(attraction - repulsion) > 1e-6, $"{p}: CE class {i} attraction {attraction} repulsion {repulsion}");
                    }
                }
            });
    }
}
