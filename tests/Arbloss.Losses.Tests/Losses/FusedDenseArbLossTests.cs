using System;
using System.Linq;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>The one-buffer dense forward and backward (<see cref="FusedDenseArbLoss"/>), forced on small problems so
    /// that the host definition (<see cref="ArbDenseTests.Host"/>) and central differences can check it; and the choice
    /// of path on large ones.</summary>
    public class FusedDenseArbLossTests
    {
        private const long Ignore = ArbDenseTests.Ignore;

        /// <summary>Runs <paramref name="body"/> with the dense path forced to <paramref name="path"/> on this thread.</summary>
        private static T With<T>(Functional.CorePath path, Func<T> body)
        {
            var before = ArbDense.ForcePath;
            ArbDense.ForcePath = path;
            try { return body(); }
            finally { ArbDense.ForcePath = before; }
        }

        private static ArbDenseTests.Problem WithoutSmoothing(int seed, bool global) => ArbDenseTests.Problem.Random(seed, global) with { Smoothing = 0 };

        [Property(MaxTest = 40)]
        public void ValuesEqualTheDefinitionInEveryReductionAndCountMode(int seed, bool global)
        {
            var p = WithoutSmoothing(seed, global);
            var (z0, y, n, w) = ArbDenseTests.Tensors(p);
            var expected = ArbDenseTests.Host(p);
            using var z = z0.clone().requires_grad_(true);
            With(Functional.CorePath.Fused, () =>
            {
                using var none = ArbDense.Loss(z, y, n, w, Ignore, 0, nn.Reduction.None, validate: true);
                using var sum = ArbDense.Loss(z, y, n, w, Ignore, 0, nn.Reduction.Sum, validate: true);
                using var mean = ArbDense.Loss(z, y, n, w, Ignore, 0, nn.Reduction.Mean, validate: true);
                Assert.Equal(new long[] { p.N, p.H, p.W }, none.shape);
                Numerics.AssertClose(expected.PerPosition, LossTestKit.Values(none), 1e-9, 1e-10, "per position");
                Assert.Equal(expected.Sum, sum.item<double>(), 9);
                Assert.Equal(expected.Mean, mean.item<double>(), 9);
                return 0;
            });
        }

        [Property(MaxTest = 25)]
        public void GradientsEqualCentralDifferencesAndIgnoredOrAbsentGetExactlyZero(int seed, bool global)
        {
            var p = WithoutSmoothing(seed, global);
            var (z0, y, n, w) = ArbDenseTests.Tensors(p);
            var reduction = LossTestKit.Reductions[Math.Abs(seed % 3)];
            // For None, a random upstream gradient; NaN at ignored positions must not reach the logits.
            var rng = new Random(seed);
            var upstream = p.Y.Select(v => v == Ignore ? double.NaN : rng.NextDouble() * 2 - 1).ToArray();
            using var g = tensor(upstream, ScalarType.Float64).reshape(p.N, p.H, p.W);
            double Objective(Tensor loss) => reduction == nn.Reduction.None
                ? loss.masked_fill(y.eq(Ignore), 0).mul(g.nan_to_num()).sum().item<double>()
                : loss.item<double>();
            using var z = z0.clone().requires_grad_(true);
            var analytic = With(Functional.CorePath.Fused, () =>
            {
                using var loss = ArbDense.Loss(z, y, n, w, Ignore, 0, reduction, true);
                if (reduction == nn.Reduction.None) loss.backward(new[] { g }); else loss.backward();
                return LossTestKit.Values(z.grad!);
            });
            double F(double[] values) => With(Functional.CorePath.Fused, () =>
            {
                using var t = tensor(values, ScalarType.Float64).reshape(p.N, p.C, p.H, p.W);
                using var l = ArbDense.Loss(t, y, n, w, Ignore, 0, reduction, true);
                return Objective(l);
            });
            ArbDenseTests.AssertCentralDifferences(p, analytic, F, reduction.ToString());
        }

        [Fact]
        public void HugeLogitsStayFiniteAndAllIgnoredIsZeroWithZeroGradientInBothCountModes()
        {
            With(Functional.CorePath.Fused, () =>
            {
                torch.manual_seed(3);
                using var z = (torch.randn(2, 4, 3, 3, ScalarType.Float64) * 1e4).requires_grad_(true);
                using var y = torch.randint(0, 4, new long[] { 2, 3, 3 });
                using (var loss = ArbDense.Loss(z, y, null, null, Ignore, 0, nn.Reduction.Mean, true))
                {
                    loss.backward();
                    Assert.True(double.IsFinite(loss.item<double>()));
                    Assert.True(loss.item<double>() > 100, "logits of 1e4 give losses of that order, not a clamped value");
                }
                Assert.All(LossTestKit.Values(z.grad!), v => Assert.True(double.IsFinite(v)));
                using var ignored = torch.full(new long[] { 2, 3, 3 }, Ignore);
                foreach (var (counts, dtype) in new[] { (null, ScalarType.Float64), (tensor(new[] { 3.0, 1.0, 2.0, 5.0 }), ScalarType.Float64), (null, ScalarType.Float32), (tensor(new[] { 3.0f, 1.0f, 2.0f, 5.0f }), ScalarType.Float32) })
                {
                    using var z2 = torch.randn(2, 4, 3, 3, dtype).requires_grad_(true);
                    using var zero = ArbDense.Loss(z2, ignored, counts, null, Ignore, 0, nn.Reduction.Mean, true);
                    zero.backward();
                    Assert.Equal(0.0, zero.to_type(ScalarType.Float64).item<double>());
                    Assert.All(LossTestKit.Values(z2.grad!), v => Assert.Equal(0.0, v));
                }
                return 0;
            });
        }

        [Theory]
        [InlineData(ScalarType.Float16)]
        [InlineData(ScalarType.BFloat16)]
        public void HalfPrecisionIsComputedInFloat32AndTheGradientComesBackInTheInputDtype(ScalarType dtype)
        {
            torch.manual_seed(5);
            using var z64 = torch.randn(2, 5, 4, 4, ScalarType.Float64);
            using var y = torch.randint(0, 3, new long[] { 2, 4, 4 });
            y[0, 0, 0] = tensor(Ignore);
            using var half = z64.to_type(dtype).requires_grad_(true);
            // Reference: the same (rounded) logits in float64, composed path.
            using var reference = half.detach().to_type(ScalarType.Float64).requires_grad_(true);
            With(Functional.CorePath.Composed, () =>
            {
                using var l = ArbDense.Loss(reference, y, null, null, Ignore, 0, nn.Reduction.Mean, true);
                l.backward();
                return 0;
            });
            var loss = With(Functional.CorePath.Fused, () => ArbDense.Loss(half, y, null, null, Ignore, 0, nn.Reduction.Mean, true));
            using (loss)
            {
                Assert.Equal(ScalarType.Float32, loss.dtype);
                loss.backward();
                Assert.Equal(dtype, half.grad!.dtype);
                Numerics.AssertClose(LossTestKit.Values(reference.grad!), LossTestKit.Values(half.grad!), 2e-2, 2e-3, "gradient");
            }
        }

        [Fact]
        public void RetainedGraphsAndSecondOrderGradientsAreExact()
        {
            torch.manual_seed(6);
            using var z0 = torch.randn(2, 4, 3, 3, ScalarType.Float64);
            using var y = torch.randint(0, 4, new long[] { 2, 3, 3 });
            y[1, 2, 2] = tensor(Ignore);
            using var w = tensor(new[] { 1.0, 0.5, 2.0, 1.5 });
            Tensor[] SecondOrder(Functional.CorePath path) => With(path, () =>
            {
                using var z = z0.clone().requires_grad_(true);
                using var loss = ArbDense.Loss(z, y, null, w, Ignore, 0, nn.Reduction.Sum, true);
                var grad = torch.autograd.grad(new[] { loss }, new[] { z }, retain_graph: true, create_graph: true)[0];
                using var penalty = grad.pow(2).sum();
                var second = torch.autograd.grad(new[] { penalty }, new[] { z })[0];
                return new[] { grad.detach(), second };
            });
            var fused = SecondOrder(Functional.CorePath.Fused);
            var composed = SecondOrder(Functional.CorePath.Composed);
            Numerics.AssertClose(LossTestKit.Values(composed[0]), LossTestKit.Values(fused[0]), 1e-12, 1e-12, "gradient");
            Numerics.AssertClose(LossTestKit.Values(composed[1]), LossTestKit.Values(fused[1]), 1e-10, 1e-12, "second order");
            Assert.Contains(LossTestKit.Values(fused[1]), v => Math.Abs(v) > 1e-3);

            // Two backward passes through a retained graph accumulate the same gradient twice.
            With(Functional.CorePath.Fused, () =>
            {
                using var z = z0.clone().requires_grad_(true);
                using var loss = ArbDense.Loss(z, y, null, w, Ignore, 0, nn.Reduction.Mean, true);
                loss.backward(retain_graph: true);
                var once = LossTestKit.Values(z.grad!);
                loss.backward();
                Numerics.AssertClose(once.Select(v => 2 * v).ToArray(), LossTestKit.Values(z.grad!), 1e-12, 1e-14, "twice");
                return 0;
            });
        }

        [Fact]
        public void LargeProblemsWithGradientsTakeTheFusedPathAndAgreeWithCrossEntropyOfTheAdjustedLogits()
        {
            // 2 x 8 x 128 x 128 = 2^18 elements: at the threshold.
            torch.manual_seed(7);
            using var z0 = torch.randn(2, 8, 128, 128);
            using var y = torch.randint(0, 8, new long[] { 2, 128, 128 });
            y.masked_fill_(torch.rand(2, 128, 128).lt(0.1), Ignore);
            using var z = z0.clone().requires_grad_(true);
            Assert.True(ArbDense.UseFused(z));
            using (no_grad()) Assert.False(ArbDense.UseFused(z));
            Assert.False(ArbDense.UseFused(z0));
            using var loss = new ArbLoss(8, ignoreIndex: Ignore);
            using var value = loss.call(z, y);
            value.backward();
            // Independent: counts on the host, then TorchSharp's own cross_entropy in float64.
            var labels = y.data<long>().ToArray();
            var counts = Enumerable.Range(0, 8).Select(c => (double)labels.Count(v => v == c)).ToArray();
            using var z64 = z0.to_type(ScalarType.Float64).requires_grad_(true);
            using var logN = tensor(counts).log().view(1, 8, 1, 1);
            using var ce = nn.functional.cross_entropy(z64.add(logN), y, ignore_index: Ignore);
            ce.backward();
            Assert.Equal(ce.item<double>(), value.item<float>(), 4);
            Numerics.AssertClose(LossTestKit.Values(z64.grad!), LossTestKit.Values(z.grad!), 1e-4, 1e-8, "gradient");
        }
    }
}
