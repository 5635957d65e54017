using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>ARB-Loss on dense logits with ignore index, label smoothing and class weights, against a host formula
    /// written here in doubles, against the flattened problem, and against central finite differences.</summary>
    public class ArbDenseTests
    {
        internal const long Ignore = 255;

        /// <summary>A random dense problem: logits [N, C, H, W], targets [N, H, W] with some ignored positions.</summary>
        internal sealed record Problem(int N, int C, int H, int W, double[] Z, long[] Y, double[]? Counts, double[]? Weight, double Smoothing)
        {
            public int Positions => N * H * W;

            public static Problem Random(int seed, bool global)
            {
                var rng = new Random(seed);
                int n = rng.Next(1, 3), c = rng.Next(2, 6), h = rng.Next(1, 4), w = rng.Next(1, 4);
                var z = Enumerable.Range(0, n * c * h * w).Select(_ => 3 * (rng.NextDouble() * 2 - 1)).ToArray();
                // Targets use only some classes, so that batch counts leave classes out.
                int used = rng.Next(1, c + 1);
                var y = Enumerable.Range(0, n * h * w).Select(_ => rng.Next(5) == 0 ? Ignore : (long)rng.Next(used)).ToArray();
                double[]? counts = global ? Enumerable.Range(0, c).Select(j => (double)rng.Next(1, 50)).ToArray() : null;
                double[]? weight = rng.Next(2) == 0 ? Enumerable.Range(0, c).Select(_ => 0.2 + rng.NextDouble()).ToArray() : null;
                double smoothing = rng.Next(3) == 0 ? 0 : rng.NextDouble() * 0.5;
                return new Problem(n, c, h, w, z, y, counts, weight, smoothing);
            }

            public double At(int b, int j, int p) => Z[(b * C + j) * H * W + p];
        }

        /// <summary>The definition, position by position: z' = z + log n (n the non-ignored bincount with batch counts),
        /// l = (1 - eps) w_y (lse - z'_y) + eps / K sum over present j of w_j (lse - z'_j); Mean = sum l / sum w_y.</summary>
        internal static (double[] PerPosition, double Sum, double Mean) Host(Problem p)
        {
            var n = p.Counts ?? Enumerable.Range(0, p.C).Select(j => (double)p.Y.Count(v => v == j)).ToArray();
            var present = Enumerable.Range(0, p.C).Where(j => n[j] > 0).ToArray();
            var per = new double[p.Positions];
            double weightSum = 0;
            int hw = p.H * p.W;
            for (int b = 0; b < p.N; b++)
                for (int q = 0; q < hw; q++)
                {
                    long y = p.Y[b * hw + q];
                    if (y == Ignore) continue;
                    var adjusted = present.ToDictionary(j => j, j => p.At(b, j, q) + Math.Log(n[j]));
                    double max = adjusted.Values.Max();
                    double lse = max + Math.Log(adjusted.Values.Sum(v => Math.Exp(v - max)));
                    double w(int j) => p.Weight?[j] ?? 1.0;
                    double nll = lse - adjusted[(int)y];
                    double smooth = present.Sum(j => w(j) * (lse - adjusted[j])) / present.Length;
                    per[b * hw + q] = (1 - p.Smoothing) * w((int)y) * nll + p.Smoothing * smooth;
                    weightSum += w((int)y);
                }
            double sum = per.Sum();
            return (per, sum, weightSum > 0 ? sum / weightSum : 0);
        }

        internal static (Tensor Z, Tensor Y, Tensor? N, Tensor? W) Tensors(Problem p) =>
            (tensor(p.Z, ScalarType.Float64).reshape(p.N, p.C, p.H, p.W), tensor(p.Y).reshape(p.N, p.H, p.W),
             p.Counts is null ? null : tensor(p.Counts, ScalarType.Float64), p.Weight is null ? null : tensor(p.Weight, ScalarType.Float64));

        [Property(MaxTest = 60)]
        public void ValuesEqualTheDefinitionInEveryReductionAndCountMode(int seed, bool global)
        {
            var p = Problem.Random(seed, global);
            var (z, y, n, w) = Tensors(p);
            var expected = Host(p);
            using var none = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, nn.Reduction.None, validate: true);
            using var sum = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, nn.Reduction.Sum, validate: true);
            using var mean = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, nn.Reduction.Mean, validate: true);
            Assert.Equal(new long[] { p.N, p.H, p.W }, none.shape);
            Numerics.AssertClose(expected.PerPosition, LossTestKit.Values(none), 1e-9, 1e-10, "per position");
            Assert.Equal(expected.Sum, sum.item<double>(), 9);
            Assert.Equal(expected.Mean, mean.item<double>(), 9);
        }

        [Property(MaxTest = 30)]
        public void DenseEqualsTheFlattenedProblem(int seed, bool global)
        {
            var p = Problem.Random(seed, global);
            var (z, y, n, w) = Tensors(p);
            using var flatZ = z.movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, p.C);
            using var flatY = y.reshape(-1);
            foreach (var r in new[] { nn.Reduction.Mean, nn.Reduction.Sum, nn.Reduction.None })
            {
                using var dense = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, r, true);
                using var flat = ArbDense.Loss(flatZ, flatY, n, w, Ignore, p.Smoothing, r, true);
                Numerics.AssertClose(LossTestKit.Values(flat), LossTestKit.Values(dense.reshape(-1)), 1e-12, 1e-12, r.ToString());
            }
        }

        [Property(MaxTest = 25)]
        public void GradientsEqualCentralDifferencesAndIgnoredOrAbsentGetExactlyZero(int seed, bool global)
        {
            var p = Problem.Random(seed, global);
            var (z0, y, n, w) = Tensors(p);
            using var z = z0.clone().requires_grad_(true);
            using (var loss = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, nn.Reduction.Mean, true)) loss.backward();
            var analytic = LossTestKit.Values(z.grad!);
            double F(double[] values)
            {
                using var t = tensor(values, ScalarType.Float64).reshape(p.N, p.C, p.H, p.W);
                using var l = ArbDense.Loss(t, y, n, w, Ignore, p.Smoothing, nn.Reduction.Mean, true);
                return l.item<double>();
            }
            AssertCentralDifferences(p, analytic, F, "");
        }

        /// <summary>The analytic gradient against central differences of <paramref name="f"/> at every logit, and exactly 0
        /// at ignored positions and for classes of count 0.</summary>
        internal static void AssertCentralDifferences(Problem p, double[] analytic, Func<double[], double> f, string what)
        {
            const double h = 1e-6;
            var counts = p.Counts ?? Enumerable.Range(0, p.C).Select(j => (double)p.Y.Count(v => v == j)).ToArray();
            int hw = p.H * p.W;
            for (int i = 0; i < p.Z.Length; i++)
            {
                var plus = (double[])p.Z.Clone();
                var minus = (double[])p.Z.Clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (f(plus) - f(minus)) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"{what} element {i}: {analytic[i]} vs {numeric}");
                int b = i / (p.C * hw), j = i / hw % p.C, q = i % hw;
                if (p.Y[b * hw + q] == Ignore || counts[j] == 0) Assert.Equal(0.0, analytic[i]);
            }
        }

        [Fact]
        public void HugeLogitsStayFiniteAndAllIgnoredIsZeroWithZeroGradient()
        {
            using var z = (torch.randn(2, 4, 3, 3, ScalarType.Float64) * 1e4).requires_grad_(true);
            using var y = torch.randint(0, 4, new long[] { 2, 3, 3 });
            using var loss = ArbDense.Loss(z, y, null, null, Ignore, 0.1, nn.Reduction.Mean, true);
            Assert.True(double.IsFinite(loss.item<double>()));
            using var ignored = torch.full(new long[] { 2, 3, 3 }, Ignore);
            using var z2 = torch.randn(2, 4, 3, 3, ScalarType.Float64).requires_grad_(true);
            using var zero = ArbDense.Loss(z2, ignored, null, null, Ignore, 0.2, nn.Reduction.Mean, true);
            zero.backward();
            Assert.Equal(0.0, zero.item<double>());
            Assert.All(LossTestKit.Values(z2.grad!), g => Assert.Equal(0.0, g));
        }

        [Property(MaxTest = 30)]
        public void TheModuleAndTheFunctionalFormTakeTheOptionsAsTheCoreDoes(int seed, bool global)
        {
            var p = Problem.Random(seed, global);
            var (z, y, n, w) = Tensors(p);
            var counts = p.Counts?.Select(c => (long)c).ToArray();
            using var module = counts is null
                ? new ArbLoss(p.C, ignoreIndex: Ignore, labelSmoothing: p.Smoothing, weight: w)
                : new ArbLoss(counts, ignoreIndex: Ignore, labelSmoothing: p.Smoothing, weight: w);
            using var expected = ArbDense.Loss(z, y, n, w, Ignore, p.Smoothing, nn.Reduction.Mean, true);
            using var viaModule = module.call(z, y);
            using var viaFunctional = Functional.arb_loss(z, y, n, weight: w, ignoreIndex: Ignore, labelSmoothing: p.Smoothing);
            Assert.Equal(expected.item<double>(), viaModule.item<double>(), 12);
            Assert.Equal(expected.item<double>(), viaFunctional.item<double>(), 12);
            Assert.Equal(Host(p).Mean, viaModule.item<double>(), 9);
        }

        [Fact]
        public void WithoutOptionsTheClassificationPathIsUnchangedBitForBit()
        {
            torch.manual_seed(4);
            using var z = torch.randn(64, 10);
            using var y = torch.randint(0, 10, new long[] { 64 });
            var counts = Enumerable.Range(0, 10).Select(i => (long)(100 >> (i / 2)) + 1).ToArray();
            foreach (var (plain, options) in new[] { (new ArbLoss(counts), new ArbLoss(counts, ignoreIndex: 255)), (new ArbLoss(10), new ArbLoss(10, ignoreIndex: 255)) })
            {
                using (plain)
                using (options)
                using (var a = plain.call(z, y))
                using (var b = options.call(z, y))
                    Assert.Equal(a.item<float>(), b.item<float>());
            }
            using var f1 = Functional.arb_loss(z, y);
            using var f2 = Functional.arb_loss(z, y, ignoreIndex: 255, labelSmoothing: 0);
            Assert.Equal(f1.item<float>(), f2.item<float>());
        }

        [Fact]
        public void ClassificationTargetsMayHoldTheIgnoreIndex()
        {
            var z = tensor(new[] { 2.0, 0.5, -1.0, 0.0, 1.0, 3.0, 1.0, 1.0, 1.0 }, ScalarType.Float64).reshape(3, 3);
            using var loss = new ArbLoss(3, ignoreIndex: -100);
            using var withIgnored = loss.call(z, tensor(new long[] { 0, -100, 2 }));
            using var without = loss.call(z.index_select(0, tensor(new long[] { 0, 2 })), tensor(new long[] { 0, 2 }));
            Assert.Equal(without.item<double>(), withIgnored.item<double>(), 12);
        }

        [Fact]
        public void AnIgnoreIndexThatIsAClassIndexIsIgnoredOnClassificationLogits()
        {
            // Row 1's target is 1 = the ignore index: the loss must equal the loss of rows 0 and 2 alone, not count class 1.
            var z = tensor(new[] { 2.0, 0.5, -1.0, 0.0, 1.0, 3.0, 1.0, 1.0, 1.0 }, ScalarType.Float64).reshape(3, 3);
            using var y = tensor(new long[] { 0, 1, 2 });
            using var kept = z.index_select(0, tensor(new long[] { 0, 2 }));
            using var keptY = tensor(new long[] { 0, 2 });
            var counts = new long[] { 4, 2, 7 };
            foreach (var (module, reference) in new[] { (new ArbLoss(3, ignoreIndex: 1), new ArbLoss(3)), (new ArbLoss(counts, ignoreIndex: 1), new ArbLoss(counts)) })
            {
                using (module)
                using (reference)
                using (var withIgnored = module.call(z, y))
                using (var without = reference.call(kept, keptY))
                    Assert.Equal(without.item<double>(), withIgnored.item<double>(), 12);
            }
            using var functional = Functional.arb_loss(z, y, ignoreIndex: 1);
            using var expected = Functional.arb_loss(kept, keptY);
            Assert.Equal(expected.item<double>(), functional.item<double>(), 12);
        }

        [Fact]
        public void TheWeightIsABufferThatFollowsTheModule()
        {
            using var w = tensor(new[] { 1.0f, 2.0f, 0.5f });
            using var loss = new ArbLoss(3, weight: w);
            Assert.Contains(loss.named_buffers(), b => b.name == "class_weight");
            loss.to(ScalarType.Float64);
            Assert.Equal(ScalarType.Float64, loss.Weight!.dtype);
            Assert.Equal("weight", Assert.Throws<ArgumentException>(() => new ArbLoss(3, weight: torch.ones(4))).ParamName);
            Assert.Equal("weight", Assert.Throws<ArgumentException>(() => new ArbLoss(3, weight: tensor(new[] { 1.0f, -1.0f, 1.0f }))).ParamName);
            Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => new ArbLoss(3, labelSmoothing: 1.5)).ParamName);
        }

        [Fact]
        public void BadInputIsNamed()
        {
            using var z = torch.randn(2, 3, 4, 4);
            Assert.Equal("target", Assert.Throws<ArgumentException>(() => ArbDense.Loss(z, torch.zeros(2, 4, 3, ScalarType.Int64), null, null, Ignore, 0, nn.Reduction.Mean, true)).ParamName);
            var e = Assert.Throws<ArgumentException>(() => ArbDense.Loss(z, torch.full(new long[] { 2, 4, 4 }, 7L), null, null, Ignore, 0, nn.Reduction.Mean, true));
            Assert.Equal("target", e.ParamName);
            Assert.Contains("7", e.Message);
            Assert.Equal("weight", Assert.Throws<ArgumentException>(() => ArbDense.Loss(z, torch.zeros(2, 4, 4, ScalarType.Int64), null, torch.ones(4), Ignore, 0, nn.Reduction.Mean, true)).ParamName);
            Assert.Equal("classCounts", Assert.Throws<ArgumentException>(() => ArbDense.Loss(z, torch.ones(2, 4, 4, ScalarType.Int64), tensor(new[] { 5.0, 0.0, 1.0 }), null, Ignore, 0, nn.Reduction.Mean, true)).ParamName);
        }
    }
}
