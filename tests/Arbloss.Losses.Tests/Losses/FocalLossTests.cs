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
    public class FocalLossTests
    {
        private static readonly double[] Gammas = { 0, 0.5, 1, 2, 3.5 };

        [Property(MaxTest = 30)]
        public Property GradientEqualsFiniteDifferences() => Prop.ForAll(With(Gammas), t =>
        {
            var (c, r, gamma) = t;
            var w = Enumerable.Range(0, c.Classes).Select(i => 0.5 + i).ToArray();
            using var loss = new FocalLoss(gamma, c.Batch % 2 == 0 ? w : null, r);
            return GradientMatchesFiniteDifferences(c, x => loss.call(x, c.TargetTensor()));
        });

        [Property(MaxTest = 50)]
        public Property ModuleEqualsFunctionalAndTheDefinition() => Prop.ForAll(With(Gammas), t =>
        {
            var (c, r, gamma) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            var w = Enumerable.Range(0, c.Classes).Select(i => 2.0 / (i + 1)).ToArray();
            using var plain = new FocalLoss(gamma, null, r);
            using var weighted = new FocalLoss(gamma, w, r);
            var expectedPlain = HostReference.Reduce(HostReference.Focal(c, gamma, null), r);
            var expectedWeighted = HostReference.Reduce(HostReference.Focal(c, gamma, w), r);
            var close = (Tensor l, double[] e) => { Numerics.AssertClose(e, Values(l), 1e-9, 1e-12, "focal"); return true; };
            return close(plain.call(x, y), expectedPlain)
                && close(weighted.call(x, y), expectedWeighted)
                && Same(weighted.call(x, y), Functional.focal_loss(x, y, gamma, tensor(w), r))
                && Same(plain.call(x, y), Functional.focal_loss(x, y, gamma, reduction: r));
        });

        [Property(MaxTest = 50)]
        public Property GammaZeroGivesPlainCrossEntropy() => Prop.ForAll(With(new[] { 0.0 }), t =>
        {
            var (c, r, _) = t;
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor();
            var y = c.TargetTensor();
            using var loss = new FocalLoss(0, null, r);
            return Same(loss.call(x, y), CrossEntropy(x, y, r)) && Same(Functional.focal_loss(x, y, 0, reduction: r), CrossEntropy(x, y, r));
        });

        [Fact]
        public void ConfidentPredictionsHaveFiniteGradientForSmallGamma()
        {
            using var scope = NewDisposeScope();
            // p_y rounds to exactly 1 in float64: (1 - p)^0.5 has an infinite derivative there, the product does not.
            var x = tensor(new double[] { 60, 0, -10 }, ScalarType.Float64).reshape(1, 3).requires_grad_(true);
            var l = Functional.focal_loss(x, tensor(new long[] { 0 }), gamma: 0.5);
            l.backward();
            Assert.True(l.isfinite().item<bool>());
            Assert.True(x.grad!.isfinite().all().item<bool>());
            Assert.True(x.grad!.abs().max().item<double>() < 1e-20);
        }

        [Fact]
        public void EmptyBatchAndHalfPrecision()
        {
            AssertEmptyBatch((x, y, r) => new FocalLoss(2, null, r).call(x, y), 3);
            AssertEmptyBatch((x, y, r) => Functional.focal_loss(x, y, 1, tensor(new double[] { 1, 2, 3 }), r), 3);
            AssertHalfPrecision((x, y) => new FocalLoss(2, new double[] { 1, 2, 3 }).call(x, y));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            using var scope = NewDisposeScope();
            var x = zeros(2, 3, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new FocalLoss(-1));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => new FocalLoss(double.NaN));
            Assert.Throws<ArgumentException>("classWeights", () => new FocalLoss(2, new double[] { 1, -1 }));
            Assert.Throws<ArgumentException>("classWeights", () => new FocalLoss(2, Array.Empty<double>()));
            using var weighted = new FocalLoss(2, new double[] { 1, 2 });
            Assert.Throws<ArgumentException>("input", () => weighted.call(x, y));
            using var plain = new FocalLoss();
            Assert.Throws<ArgumentException>("target", () => plain.call(x, tensor(new long[] { 0, 3 })));
            Assert.Throws<ArgumentException>("target", () => plain.call(x, tensor(new long[] { 0 })));
            Assert.Throws<ArgumentException>("input", () => plain.call(zeros(2, 3, ScalarType.Int64), y));
            Assert.Throws<ArgumentOutOfRangeException>("gamma", () => Functional.focal_loss(x, y, -2));
        }
    }
}
