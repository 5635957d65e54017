using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// The comparison losses and ARB variants on dense logits with an ignore index (and, where supported, label smoothing
    /// and class weights): against a host formula in doubles written here, against the flattened problem and the
    /// unchanged [B, C] path, against central finite differences, and on bad input.
    /// </summary>
    public class DenseComparisonLossTests
    {
        private const long Ignore = 255;

        public enum Kind { LogitAdjusted, Focal, ArbFocal, WeightedArb, ArbLabelAware }

        /// <summary>A random dense problem and one loss's options.</summary>
        public sealed record Problem(Kind Kind, int N, int C, int H, int W, double[] Z, long[] Y, long[] TrainCounts, bool Global,
            double[]? Weight, double Smoothing, double Parameter, double Head, double Tail, SmoothingShape Shape)
        {
            public int Positions => N * H * W;

            public int Spatial => H * W;

            public double At(int b, int j, int q) => Z[(b * C + j) * Spatial + q];

            public override string ToString() =>
                $"{Kind} N={N} C={C} H={H} W={W} global={Global} w=[{(Weight is null ? "" : string.Join(", ", Weight))}] eps={Smoothing} param={Parameter} y=[{string.Join(", ", Y)}] counts=[{string.Join(", ", TrainCounts)}]";

            public static Problem Random(Kind kind, int seed, bool global, double scale = 3)
            {
                var rng = new Random(seed);
                int n = rng.Next(1, 3), c = rng.Next(2, 6), h = rng.Next(1, 4), w = rng.Next(1, 4);
                var z = Enumerable.Range(0, n * c * h * w).Select(_ => scale * (rng.NextDouble() * 2 - 1)).ToArray();
                // Targets use only some classes (batch counts leave classes out); about one position in five is ignored.
                int used = rng.Next(1, c + 1);
                var y = Enumerable.Range(0, n * h * w).Select(_ => rng.Next(5) == 0 ? Ignore : (long)rng.Next(used)).ToArray();
                var counts = Enumerable.Range(0, c).Select(_ => (long)rng.Next(1, 50)).ToArray();
                // Logit adjustment: an unused class may have no training samples (probability 0 when tau > 0).
                if (kind == Kind.LogitAdjusted && used < c && rng.Next(2) == 0) counts[c - 1] = 0;
                bool weighted = kind is Kind.LogitAdjusted or Kind.Focal or Kind.ArbFocal && rng.Next(2) == 0;
                double[]? weight = weighted ? Enumerable.Range(0, c).Select(_ => 0.2 + rng.NextDouble()).ToArray() : null;
                bool smoothed = kind is Kind.LogitAdjusted or Kind.WeightedArb && rng.Next(3) != 0;
                double smoothing = smoothed ? rng.NextDouble() * 0.5 : 0;
                double parameter = kind switch
                {
                    Kind.LogitAdjusted => new[] { 0.0, 0.5, 1.0, 2.0 }[rng.Next(4)],
                    Kind.Focal or Kind.ArbFocal => new[] { 0.0, 0.5, 1.0, 2.0, 3.5 }[rng.Next(5)],
                    _ => 0,
                };
                var shapes = new[] { SmoothingShape.Concave, SmoothingShape.Linear, SmoothingShape.Convex, SmoothingShape.Exponential };
                return new Problem(kind, n, c, h, w, z, y, counts, global && kind != Kind.Focal && kind != Kind.LogitAdjusted,
                    weight, smoothing, parameter, 0.1 + 0.5 * rng.NextDouble(), 0.4 * rng.NextDouble(), shapes[rng.Next(4)]);
            }
        }

        // ----- the independent definition, position by position, in doubles -----

        /// <summary>Per-position losses (0 at ignored positions), their sum and the mean the loss documents.</summary>
        private static (double[] PerPosition, double Sum, double Mean) Host(Problem p)
        {
            var kept = p.Y.Where(v => v != Ignore).ToArray();
            var batch = Enumerable.Range(0, p.C).Select(j => (double)kept.Count(v => v == j)).ToArray();
            var train = p.TrainCounts.Select(v => (double)v).ToArray();
            var n = p.Global ? train : batch;
            double trainTotal = train.Sum();
            // Shift of the logits, -inf for classes that drop out of the softmax.
            double Shift(int j) => p.Kind switch
            {
                Kind.Focal => 0,
                Kind.LogitAdjusted => p.Parameter == 0 ? 0 : p.Parameter * Math.Log(train[j] / trainTotal),
                _ => n[j] > 0 ? Math.Log(n[j]) : double.NegativeInfinity,
            };
            var present = Enumerable.Range(0, p.C).Where(j => !double.IsNegativeInfinity(Shift(j))).ToArray();
            double W(int j) => p.Weight?[j] ?? 1.0;
            var eps = p.Kind == Kind.ArbLabelAware ? ArbVariantHost.Factors(p.TrainCounts, p.Head, p.Tail, p.Shape, 2.0) : null;
            double m = n.Sum() / n.Count(v => v > 0);
            var per = new double[p.Positions];
            double denominator = 0;
            for (int b = 0; b < p.N; b++)
                for (int q = 0; q < p.Spatial; q++)
                {
                    int y = (int)p.Y[b * p.Spatial + q];
                    if (y == Ignore) continue;
                    var a = present.ToDictionary(j => j, j => p.At(b, j, q) + Shift(j));
                    double max = a.Values.Max();
                    double lse = max + Math.Log(a.Values.Sum(v => Math.Exp(v - max)));
                    double Nll(int j) => lse - a[j];
                    double focal = p.Parameter == 0 ? Nll(y) : Math.Pow(OneMinusExpNeg(Nll(y)), p.Parameter) * Nll(y);
                    double smoothTerm = present.Sum(j => W(j) * Nll(j)) / present.Length;
                    double l = p.Kind switch
                    {
                        Kind.LogitAdjusted => (1 - p.Smoothing) * W(y) * Nll(y) + p.Smoothing * smoothTerm,
                        Kind.Focal or Kind.ArbFocal => W(y) * focal,
                        Kind.WeightedArb => m / n[y] * ((1 - p.Smoothing) * Nll(y) + p.Smoothing * smoothTerm),
                        _ => (1 - eps![y]) * Nll(y) + eps![y] * smoothTerm,
                    };
                    per[b * p.Spatial + q] = l;
                    // LogitAdjusted and ArbFocal divide by the sum of the targets' weights (as cross_entropy); the others by the count.
                    denominator += p.Kind is Kind.LogitAdjusted or Kind.ArbFocal ? W(y) : 1;
                }
            double sum = per.Sum();
            return (per, sum, denominator > 0 ? sum / denominator : 0);
        }

        /// <summary>1 - e^{-x} for x &gt;= 0, accurate near 0 (a short series there).</summary>
        private static double OneMinusExpNeg(double x) =>
            x < 1e-3 ? x * (1 - x / 2 * (1 - x / 3 * (1 - x / 4))) : 1 - Math.Exp(-x);

        // ----- the losses under test -----

        private static Tensor? WeightTensor(Problem p) => p.Weight is null ? null : tensor(p.Weight, ScalarType.Float64);

        private static nn.Module<Tensor, Tensor, Tensor> Module(Problem p, nn.Reduction r) => p.Kind switch
        {
            Kind.LogitAdjusted => new LogitAdjustedLoss(p.TrainCounts, p.Parameter, r, ignoreIndex: Ignore, labelSmoothing: p.Smoothing, weight: WeightTensor(p)),
            Kind.Focal => new FocalLoss(p.Parameter, p.Weight, r, ignoreIndex: Ignore),
            Kind.ArbFocal => p.Global
                ? new ArbFocalLoss(p.TrainCounts, p.Parameter, r, ignoreIndex: Ignore, weight: WeightTensor(p))
                : new ArbFocalLoss(p.C, p.Parameter, r, ignoreIndex: Ignore, weight: WeightTensor(p)),
            Kind.WeightedArb => p.Global
                ? new WeightedArbLoss(p.TrainCounts, r, ignoreIndex: Ignore, labelSmoothing: p.Smoothing)
                : new WeightedArbLoss(p.C, r, ignoreIndex: Ignore, labelSmoothing: p.Smoothing),
            _ => new ArbLabelAwareSmoothingLoss(p.TrainCounts, p.Global ? CountSource.Global : CountSource.Batch, p.Head, p.Tail, p.Shape, 2.0, r, ignoreIndex: Ignore),
        };

        private static Tensor Functional_(Problem p, Tensor z, Tensor y, nn.Reduction r)
        {
            using var counts = tensor(p.TrainCounts);
            var arbCounts = p.Global ? counts : null;
            using var w = WeightTensor(p);
            return p.Kind switch
            {
                Kind.LogitAdjusted => Functional.logit_adjusted_loss(z, y, counts, p.Parameter, r, weight: w, ignoreIndex: Ignore, labelSmoothing: p.Smoothing),
                Kind.Focal => Functional.focal_loss(z, y, p.Parameter, w, r, ignoreIndex: Ignore),
                Kind.ArbFocal => Functional.arb_focal_loss(z, y, arbCounts, p.Parameter, r, weight: w, ignoreIndex: Ignore),
                Kind.WeightedArb => Functional.weighted_arb_loss(z, y, arbCounts, r, ignoreIndex: Ignore, labelSmoothing: p.Smoothing),
                _ => Functional.arb_label_aware_smoothing_loss(z, y, counts, arbCounts, p.Head, p.Tail, p.Shape, 2.0, r, ignoreIndex: Ignore),
            };
        }

        private static Tensor Call(Problem p, Tensor z, Tensor y, nn.Reduction r)
        {
            using var module = Module(p, r);
            return module.call(z, y);
        }

        private static (Tensor Z, Tensor Y) Tensors(Problem p) =>
            (tensor(p.Z, ScalarType.Float64).reshape(p.N, p.C, p.H, p.W), tensor(p.Y).reshape(p.N, p.H, p.W));

        private static readonly nn.Reduction[] Reductions = { nn.Reduction.Mean, nn.Reduction.Sum, nn.Reduction.None };

        // ----- values -----

        private static void ValuesEqualTheDefinition(Kind kind, int seed, bool global)
        {
            var p = Problem.Random(kind, seed, global);
            using var scope = NewDisposeScope();
            var (z, y) = Tensors(p);
            var expected = Host(p);
            foreach (var r in Reductions)
            {
                var viaModule = Call(p, z, y, r);
                var viaFunctional = Functional_(p, z, y, r);
                var want = r switch { nn.Reduction.None => expected.PerPosition, nn.Reduction.Sum => new[] { expected.Sum }, _ => new[] { expected.Mean } };
                if (r == nn.Reduction.None) Assert.Equal(new long[] { p.N, p.H, p.W }, viaModule.shape);
                Numerics.AssertClose(want, LossTestKit.Values(viaModule), 1e-9, 1e-11, $"module {r} {p}");
                Numerics.AssertClose(LossTestKit.Values(viaModule), LossTestKit.Values(viaFunctional), 1e-12, 1e-13, $"functional {r} {p}");
            }
        }

        [Property(MaxTest = 25)]
        public void LogitAdjustedValuesEqualTheDefinition(int seed) => ValuesEqualTheDefinition(Kind.LogitAdjusted, seed, true);

        [Property(MaxTest = 25)]
        public void FocalValuesEqualTheDefinition(int seed) => ValuesEqualTheDefinition(Kind.Focal, seed, false);

        [Property(MaxTest = 25)]
        public void ArbFocalValuesEqualTheDefinition(int seed, bool global) => ValuesEqualTheDefinition(Kind.ArbFocal, seed, global);

        [Property(MaxTest = 25)]
        public void WeightedArbValuesEqualTheDefinition(int seed, bool global) => ValuesEqualTheDefinition(Kind.WeightedArb, seed, global);

        [Property(MaxTest = 25)]
        public void ArbLabelAwareValuesEqualTheDefinition(int seed, bool global) => ValuesEqualTheDefinition(Kind.ArbLabelAware, seed, global);

        // ----- dense == flattened == the [B, C] path on the kept rows -----

        private static void DenseEqualsFlattened(Kind kind, int seed, bool global)
        {
            var p = Problem.Random(kind, seed, global);
            using var scope = NewDisposeScope();
            var (z, y) = Tensors(p);
            // NHWC, then one row per position.
            var flatZ = z.permute(0, 2, 3, 1).reshape(-1, p.C);
            var flatY = y.reshape(-1);
            var keep = tensor(Enumerable.Range(0, p.Positions).Where(i => p.Y[i] != Ignore).Select(i => (long)i).ToArray());
            var keptZ = flatZ.index_select(0, keep);
            var keptY = flatY.index_select(0, keep);
            foreach (var r in Reductions)
            {
                var dense = LossTestKit.Values(Call(p, z, y, r));
                var flat = LossTestKit.Values(Call(p, flatZ, flatY, r));
                Numerics.AssertClose(flat, dense, 1e-12, 1e-13, $"flattened {r} {p}");
                // The ignored rows left out: the classification path (or, with options, the dense one on [K, C]).
                var kept = LossTestKit.Values(Call(p, keptZ, keptY, r));
                var denseKept = r == nn.Reduction.None ? p.Y.Select((v, i) => (v, i)).Where(t => t.v != Ignore).Select(t => dense[t.i]).ToArray() : dense;
                Numerics.AssertClose(kept, denseKept, 1e-12, 1e-13, $"kept rows {r} {p}");
                if (r == nn.Reduction.None)
                    for (int i = 0; i < p.Positions; i++)
                        if (p.Y[i] == Ignore) Assert.Equal(0.0, dense[i]);
            }
        }

        [Property(MaxTest = 20)]
        public void LogitAdjustedDenseEqualsFlattened(int seed) => DenseEqualsFlattened(Kind.LogitAdjusted, seed, true);

        [Property(MaxTest = 20)]
        public void FocalDenseEqualsFlattened(int seed) => DenseEqualsFlattened(Kind.Focal, seed, false);

        [Property(MaxTest = 20)]
        public void ArbFocalDenseEqualsFlattened(int seed, bool global) => DenseEqualsFlattened(Kind.ArbFocal, seed, global);

        [Property(MaxTest = 20)]
        public void WeightedArbDenseEqualsFlattened(int seed, bool global) => DenseEqualsFlattened(Kind.WeightedArb, seed, global);

        [Property(MaxTest = 20)]
        public void ArbLabelAwareDenseEqualsFlattened(int seed, bool global) => DenseEqualsFlattened(Kind.ArbLabelAware, seed, global);

        // ----- gradients -----

        /// <summary>A scalar from any reduction: None is combined with fixed positive weights per position.</summary>
        private static Tensor Scalarise(Tensor loss) =>
            loss.dim() == 0 ? loss : loss.reshape(-1).mul(arange(1, loss.numel() + 1, ScalarType.Float64).mul(0.1).add(1)).sum();

        private static void GradientsEqualCentralDifferences(Kind kind, int seed, bool global)
        {
            var p = Problem.Random(kind, seed, global);
            var r = Reductions[(seed & int.MaxValue) % 3];
            var (z0, y) = Tensors(p);
            using var module = Module(p, r);
            using var z = z0.clone().requires_grad_(true);
            using (var loss = module.call(z, y)) Scalarise(loss).backward();
            var analytic = LossTestKit.Values(z.grad!);
            double F(double[] values)
            {
                using var scope = NewDisposeScope();
                var t = tensor(values, ScalarType.Float64).reshape(p.N, p.C, p.H, p.W);
                return Scalarise(module.call(t, y)).item<double>();
            }
            const double h = 1e-6;
            var kept = p.Y.Where(v => v != Ignore).ToArray();
            bool batchCounts = kind is Kind.ArbFocal or Kind.WeightedArb or Kind.ArbLabelAware && !p.Global;
            for (int i = 0; i < p.Z.Length; i++)
            {
                var plus = (double[])p.Z.Clone();
                var minus = (double[])p.Z.Clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (F(plus) - F(minus)) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"element {i}: {analytic[i]:R} vs {numeric:R} ({r}, {p})");
                int b = i / (p.C * p.Spatial), j = i / p.Spatial % p.C, q = i % p.Spatial;
                if (p.Y[b * p.Spatial + q] == Ignore) Assert.True(analytic[i] == 0.0, $"ignored position, element {i}: {analytic[i]:R} ({p})");
                if (batchCounts && !kept.Contains(j)) Assert.True(analytic[i] == 0.0, $"absent class {j}, element {i}: {analytic[i]:R} ({p})");
            }
        }

        [Property(MaxTest = 12)]
        public void LogitAdjustedGradientsEqualCentralDifferences(int seed) => GradientsEqualCentralDifferences(Kind.LogitAdjusted, seed, true);

        [Property(MaxTest = 12)]
        public void FocalGradientsEqualCentralDifferences(int seed) => GradientsEqualCentralDifferences(Kind.Focal, seed, false);

        [Property(MaxTest = 12)]
        public void ArbFocalGradientsEqualCentralDifferences(int seed, bool global) => GradientsEqualCentralDifferences(Kind.ArbFocal, seed, global);

        [Property(MaxTest = 12)]
        public void WeightedArbGradientsEqualCentralDifferences(int seed, bool global) => GradientsEqualCentralDifferences(Kind.WeightedArb, seed, global);

        [Property(MaxTest = 12)]
        public void ArbLabelAwareGradientsEqualCentralDifferences(int seed, bool global) => GradientsEqualCentralDifferences(Kind.ArbLabelAware, seed, global);

        // ----- extremes -----

        public static IEnumerable<object[]> Kinds() => Enum.GetValues<Kind>().Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(Kinds))]
        public void HugeLogitsStayFinite(Kind kind)
        {
            for (int seed = 0; seed < 4; seed++)
            {
                var p = Problem.Random(kind, seed, seed % 2 == 0, scale: 1e4);
                var (z0, y) = Tensors(p);
                foreach (var r in Reductions)
                {
                    using var z = z0.clone().requires_grad_(true);
                    using var loss = Call(p, z, y, r);
                    Assert.True(loss.isfinite().all().item<bool>(), $"{r} {p}");
                    Scalarise(loss).backward();
                    Assert.True(z.grad!.isfinite().all().item<bool>(), $"gradient {r} {p}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void AllIgnoredGivesZeroWithZeroGradient(Kind kind)
        {
            var p = Problem.Random(kind, 7, true) with { };
            var (z0, _) = Tensors(p);
            using var y = full(new long[] { p.N, p.H, p.W }, Ignore);
            foreach (var r in Reductions)
            {
                using var z = z0.clone().requires_grad_(true);
                using var loss = Call(p, z, y, r);
                Assert.All(LossTestKit.Values(loss), v => Assert.Equal(0.0, v));
                Scalarise(loss).backward();
                Assert.All(LossTestKit.Values(z.grad!), g => Assert.Equal(0.0, g));
            }
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void HalfPrecisionDenseLogitsAreComputedInFloat32(Kind kind)
        {
            var p = Problem.Random(kind, 3, false);
            var (z64, y) = Tensors(p);
            using var z = z64.to_type(ScalarType.BFloat16).requires_grad_(true);
            using var loss = Call(p, z, y, nn.Reduction.Mean);
            Assert.Equal(ScalarType.Float32, loss.dtype);
            loss.backward();
            Assert.Equal(ScalarType.BFloat16, z.grad!.dtype);
            using var reference = Call(p, z.detach().to_type(ScalarType.Float64), y, nn.Reduction.Mean);
            Assert.Equal(reference.item<double>(), loss.item<float>(), 4);
        }

        // ----- bad input -----

        [Theory]
        [MemberData(nameof(Kinds))]
        public void BadDenseInputIsNamed(Kind kind)
        {
            var p = Problem.Random(kind, 11, true);
            var (z, y) = Tensors(p);
            using var module = Module(p, nn.Reduction.Mean);
            // Target shape that is not the logits' spatial shape.
            ArbVariantHost.Rejects("target", () => module.call(z, zeros(p.N, p.H + 1, p.W, ScalarType.Int64)));
            ArbVariantHost.Rejects("target", () => Functional_(p, z, zeros(p.N, p.H, p.W + 1, ScalarType.Int64), nn.Reduction.Mean));
            ArbVariantHost.Rejects("target", () => module.call(z, zeros(p.N, p.H, p.W, ScalarType.Int32)));
            // A target outside [0, C) that is not the ignore index.
            using var outOfRange = full(new long[] { p.N, p.H, p.W }, (long)p.C);
            var e = Assert.ThrowsAny<ArgumentException>(() => module.call(z, outOfRange));
            Assert.Equal("target", e.ParamName);
            Assert.Contains(p.C.ToString(), e.Message);
            ArbVariantHost.Rejects("target", () => Functional_(p, z, outOfRange, nn.Reduction.Mean));
            using var negative = full(new long[] { p.N, p.H, p.W }, -1L);
            ArbVariantHost.Rejects("target", () => module.call(z, negative));
            // Logits with the wrong number of classes.
            if (kind != Kind.Focal) ArbVariantHost.Rejects("input", () => module.call(zeros(p.N, p.C + 1, p.H, p.W, ScalarType.Float64), y));
        }

        [Fact]
        public void WeightsOfTheWrongLengthAreNamed()
        {
            var counts = new long[] { 5, 3, 1 };
            using var z = randn(2, 3, 2, 2, ScalarType.Float64);
            using var y = zeros(2, 2, 2, ScalarType.Int64);
            using var four = ones(4, ScalarType.Float64);
            ArbVariantHost.Rejects("weight", () => new LogitAdjustedLoss(counts, weight: four));
            ArbVariantHost.Rejects("weight", () => new ArbFocalLoss(3, weight: four));
            ArbVariantHost.Rejects("weight", () => new ArbFocalLoss(counts, weight: tensor(new[] { 1.0, -1.0, 1.0 })));
            ArbVariantHost.Rejects("classWeights", () => new FocalLoss(2, new[] { 1.0, double.NaN }));
            ArbVariantHost.Rejects("weight", () => Functional.logit_adjusted_loss(z, y, tensor(counts), weight: four));
            ArbVariantHost.Rejects("weight", () => Functional.focal_loss(z, y, weight: four));
            ArbVariantHost.Rejects("weight", () => Functional.arb_focal_loss(z, y, weight: four));
            using var focal = new FocalLoss(2, new[] { 1.0, 2.0, 3.0, 4.0 });
            ArbVariantHost.Rejects("input", () => focal.call(z, y));
        }

        [Fact]
        public void UnsupportedOptionsAreRejectedByName()
        {
            var counts = new long[] { 5, 3, 1 };
            using var w = ones(3, ScalarType.Float64);
            using var z = randn(2, 3, 2, 2, ScalarType.Float64);
            using var y = zeros(2, 2, 2, ScalarType.Int64);
            using var n = tensor(counts);
            ArbVariantHost.Rejects("labelSmoothing", () => new FocalLoss(labelSmoothing: 0.1));
            ArbVariantHost.Rejects("labelSmoothing", () => new ArbFocalLoss(3, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("labelSmoothing", () => new ArbFocalLoss(counts, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("labelSmoothing", () => new ArbLabelAwareSmoothingLoss(counts, CountSource.Batch, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("weight", () => new ArbLabelAwareSmoothingLoss(counts, CountSource.Batch, weight: w));
            ArbVariantHost.Rejects("weight", () => new WeightedArbLoss(3, weight: w));
            ArbVariantHost.Rejects("weight", () => new WeightedArbLoss(counts, weight: w));
            ArbVariantHost.Rejects("labelSmoothing", () => Functional.focal_loss(z, y, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("labelSmoothing", () => Functional.arb_focal_loss(z, y, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("labelSmoothing", () => Functional.arb_label_aware_smoothing_loss(z, y, n, labelSmoothing: 0.1));
            ArbVariantHost.Rejects("weight", () => Functional.arb_label_aware_smoothing_loss(z, y, n, weight: w));
            ArbVariantHost.Rejects("weight", () => Functional.weighted_arb_loss(z, y, weight: w));
            ArbVariantHost.Rejects("labelSmoothing", () => new LogitAdjustedLoss(counts, labelSmoothing: 1.5));
            ArbVariantHost.Rejects("labelSmoothing", () => new WeightedArbLoss(3, labelSmoothing: -0.1));
            var e = Assert.Throws<ArgumentException>(() => new FocalLoss(labelSmoothing: 0.1));
            Assert.Contains("labelSmoothing: 0", e.Message);
        }

        [Fact]
        public void TheWeightIsABufferThatFollowsTheModule()
        {
            using var w = tensor(new[] { 1.0f, 2.0f, 0.5f });
            using var la = new LogitAdjustedLoss(new long[] { 5, 3, 1 }, weight: w);
            using var af = new ArbFocalLoss(3, weight: w);
            Assert.Contains(la.named_buffers(), b => b.name == "class_weight");
            Assert.Contains(af.named_buffers(), b => b.name == "class_weight");
            la.to(ScalarType.Float64);
            af.to(ScalarType.Float64);
            Assert.Equal(ScalarType.Float64, la.Weight!.dtype);
            Assert.Equal(ScalarType.Float64, af.Weight!.dtype);
            // The module keeps its own copy.
            w.mul_(10);
            Assert.Equal(2.0, la.Weight![1].item<double>());
        }

        [Fact]
        public void AnIgnoreIndexThatIsAClassIsIgnoredOnTheClassificationPath()
        {
            var z = tensor(new[] { 2.0, 0.5, -1.0, 0.0, 1.0, 3.0, 1.0, 1.0, 1.0 }, ScalarType.Float64).reshape(3, 3);
            var y = tensor(new long[] { 0, 1, 2 });
            var keep = tensor(new long[] { 0, 2 });
            foreach (var kind in Enum.GetValues<Kind>())
            {
                var p = Problem.Random(kind, 1, false) with { C = 3, TrainCounts = new long[] { 4, 2, 1 }, Weight = null };
                using var all = ModuleWithIgnore(p, 1);
                using var withIgnored = all.call(z, y);
                using var without = all.call(z.index_select(0, keep), y.index_select(0, keep));
                Assert.Equal(without.item<double>(), withIgnored.item<double>(), 12);
            }
        }

        private static nn.Module<Tensor, Tensor, Tensor> ModuleWithIgnore(Problem p, long ignore) => p.Kind switch
        {
            Kind.LogitAdjusted => new LogitAdjustedLoss(p.TrainCounts, p.Parameter, ignoreIndex: ignore),
            Kind.Focal => new FocalLoss(p.Parameter, ignoreIndex: ignore),
            Kind.ArbFocal => new ArbFocalLoss(p.C, p.Parameter, ignoreIndex: ignore),
            Kind.WeightedArb => new WeightedArbLoss(p.C, ignoreIndex: ignore),
            _ => new ArbLabelAwareSmoothingLoss(p.TrainCounts, CountSource.Batch, ignoreIndex: ignore),
        };

        [Theory]
        [MemberData(nameof(Kinds))]
        public void ClassificationTargetsMayHoldTheIgnoreIndexAlsoWithoutValidation(Kind kind)
        {
            var p = Problem.Random(kind, 5, false) with { C = 3, TrainCounts = new long[] { 4, 2, 1 }, Weight = null, Smoothing = 0 };
            var z = tensor(new[] { 2.0, 0.5, -1.0, 0.0, 1.0, 3.0, 1.0, 1.0, 1.0 }, ScalarType.Float64).reshape(3, 3);
            var y = tensor(new long[] { 0, Ignore, 2 });
            var keep = tensor(new long[] { 0, 2 });
            foreach (bool validate in new[] { true, false })
            {
                using var module = Module(p, nn.Reduction.Mean);
                SetValidateTargets(module, validate);
                using var withIgnored = module.call(z, y);
                using var without = module.call(z.index_select(0, keep), y.index_select(0, keep));
                Assert.Equal(without.item<double>(), withIgnored.item<double>(), 12);
            }
        }

        private static void SetValidateTargets(nn.Module<Tensor, Tensor, Tensor> module, bool validate)
        {
            switch (module)
            {
                case LogitAdjustedLoss m: m.ValidateTargets = validate; break;
                case FocalLoss m: m.ValidateTargets = validate; break;
                case ArbFocalLoss m: m.ValidateTargets = validate; break;
                case WeightedArbLoss m: m.ValidateTargets = validate; break;
                case ArbLabelAwareSmoothingLoss m: m.ValidateTargets = validate; break;
                default: throw new InvalidOperationException(module.GetType().Name);
            }
        }

        [Fact]
        public void ExplicitCountsWorkOnDenseLogits()
        {
            var p = Problem.Random(Kind.ArbFocal, 21, true);
            var (z, y) = Tensors(p);
            using var counts = tensor(p.TrainCounts);
            using var batchFocal = new ArbFocalLoss(p.C, p.Parameter, ignoreIndex: Ignore);
            using var globalFocal = new ArbFocalLoss(p.TrainCounts, p.Parameter, ignoreIndex: Ignore);
            using var batchWarb = new WeightedArbLoss(p.C, ignoreIndex: Ignore);
            using var globalWarb = new WeightedArbLoss(p.TrainCounts, ignoreIndex: Ignore);
            using var batchLas = new ArbLabelAwareSmoothingLoss(p.TrainCounts, CountSource.Batch, ignoreIndex: Ignore);
            using var globalLas = new ArbLabelAwareSmoothingLoss(p.TrainCounts, CountSource.Global, ignoreIndex: Ignore);
            Assert.Equal(globalFocal.call(z, y).item<double>(), batchFocal.forward(z, y, counts).item<double>(), 12);
            Assert.Equal(globalWarb.call(z, y).item<double>(), batchWarb.forward(z, y, counts).item<double>(), 12);
            Assert.Equal(globalLas.call(z, y).item<double>(), batchLas.forward(z, y, counts).item<double>(), 12);
            using var zero = tensor(Enumerable.Repeat(0L, p.C).ToArray());
            ArbVariantHost.Rejects("classCounts", () => batchFocal.forward(z, y, zero));
        }
    }
}
