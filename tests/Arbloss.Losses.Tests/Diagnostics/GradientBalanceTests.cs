using System;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using FsCheck.Xunit;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Diagnostics
{
    public class GradientBalanceTests
    {
        /// <summary>A random batch: features [B, D], logit gradient [B, C], labels [B], float64 on the host.</summary>
        private sealed record Batch(int B, int C, int D, double[] F, double[] G, long[] Y)
        {
            public static Batch Random(int seed, int maxB = 10, int maxC = 6, int maxD = 5)
            {
                var rng = new Random(seed);
                int b = rng.Next(1, maxB + 1), c = rng.Next(1, maxC + 1), d = rng.Next(1, maxD + 1);
                return new Batch(b, c, d, TestData.Normal(rng, b * d), TestData.Normal(rng, b * c), TestData.Labels(rng, b, c));
            }

            public (Tensor f, Tensor g, Tensor y) Tensors(ScalarType dtype = ScalarType.Float64) =>
                (TestData.Matrix(F, B, D, dtype), TestData.Matrix(G, B, C, dtype), TestData.Labels(Y));
        }

        /// <summary>The literal definition, pair by pair: T[i, j] = sum over samples of class j of g[s, i] f_s.</summary>
        private static double[] LiteralPairVector(Batch x, int i, Func<long, bool> classFilter)
        {
            var v = new double[x.D];
            for (int s = 0; s < x.B; s++)
                if (classFilter(x.Y[s]))
                    for (int d = 0; d < x.D; d++) v[d] += x.G[s * x.C + i] * x.F[s * x.D + d];
            return v;
        }

        private static double Norm(double[] v) => Math.Sqrt(v.Sum(e => e * e));

        private static double[] LiteralNorms(Batch x)
        {
            var m = new double[x.C * x.C];
            for (int i = 0; i < x.C; i++)
                for (int j = 0; j < x.C; j++)
                    m[i * x.C + j] = Norm(LiteralPairVector(x, i, y => y == j));
            return m;
        }

        [Property(MaxTest = 40)]
        public void NormsEqualTheLiteralPerPairDoubleLoop(int seed)
        {
            var x = Batch.Random(seed);
            using var scope = NewDisposeScope();
            var (f, g, y) = x.Tensors();
            foreach (long budget in new[] { GradientBalance.DefaultChunkElements, 1L })   // 1: one class per chunk
            {
                using var r = GradientBalance.Compute(f, g, y, budget);
                Numerics.AssertClose(LiteralNorms(x), TestData.Host(r.Norms), 1e-10, 1e-12, "norms");
                var attraction = Enumerable.Range(0, x.C).Select(i => Norm(LiteralPairVector(x, i, c => c == i))).ToArray();
                var repulsion = Enumerable.Range(0, x.C).Select(i => Norm(LiteralPairVector(x, i, c => c != i))).ToArray();
                var total = Enumerable.Range(0, x.C).Select(i => Norm(LiteralPairVector(x, i, _ => true))).ToArray();
                Numerics.AssertClose(attraction, TestData.Host(r.Attraction), 1e-10, 1e-12, "attraction");
                Numerics.AssertClose(repulsion, TestData.Host(r.Repulsion), 1e-10, 1e-12, "repulsion");
                Numerics.AssertClose(total, TestData.Host(r.GradientNorm), 1e-10, 1e-12, "gradient norm");
                var counts = Enumerable.Range(0, x.C).Select(c => (long)x.Y.Count(v => v == c)).ToArray();
                Assert.Equal(counts, TestData.HostLong(r.SampleCounts));
                Assert.Equal(counts.Select(n => n > 0).ToArray(), TestData.HostBool(r.Present));
                Assert.Equal(1, r.Steps);
            }
        }

        [Property(MaxTest = 30)]
        public void HostLabelsGiveTheLiteralNormsWithoutReadingTheTargets(int seed)
        {
            var x = Batch.Random(seed);
            using var scope = NewDisposeScope();
            var (f, g, y) = x.Tensors();
            using var viaHost = GradientBalance.Compute(f, g, y, x.Y);
            Numerics.AssertClose(LiteralNorms(x), TestData.Host(viaHost.Norms), 1e-10, 1e-12, "norms");
            var repulsion = Enumerable.Range(0, x.C).Select(i => Norm(LiteralPairVector(x, i, c => c != i))).ToArray();
            Numerics.AssertClose(repulsion, TestData.Host(viaHost.Repulsion), 1e-10, 1e-12, "repulsion");
            var counts = Enumerable.Range(0, x.C).Select(c => (long)x.Y.Count(v => v == c)).ToArray();
            Assert.Equal(counts, TestData.HostLong(viaHost.SampleCounts));
            using var accumulator = new GradientBalanceAccumulator(x.C);
            accumulator.Add(f, g, y, x.Y);
            Assert.Equal(1, accumulator.Steps);
        }

        [Fact]
        public void BadHostLabelsAreNamed()
        {
            using var f = torch.randn(3, 2, ScalarType.Float64);
            using var g = torch.randn(3, 4, ScalarType.Float64);
            using var y = tensor(new long[] { 0, 1, 3 });
            Assert.Equal("hostTargets", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, y, new long[] { 0, 1 })).ParamName);
            var e = Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, y, new long[] { 0, 1, 4 }));
            Assert.Equal("hostTargets", e.ParamName);
            Assert.Contains("4", e.Message);
        }

        [Property(MaxTest = 25)]
        public void ContributionsAreTheLiteralPairVectorsAndTheirNormsAreNorms(int seed)
        {
            var x = Batch.Random(seed);
            using var scope = NewDisposeScope();
            var (f, g, y) = x.Tensors();
            var t = GradientBalance.Contributions(f, g, y, 0, x.C);
            Assert.Equal(new long[] { x.C, x.C, x.D }, t.shape);
            var expected = Enumerable.Range(0, x.C)
                .SelectMany(i => Enumerable.Range(0, x.C).SelectMany(j => LiteralPairVector(x, i, c => c == j))).ToArray();
            Numerics.AssertClose(expected, TestData.Host(t), 1e-12, 1e-12, "T");
            using var r = GradientBalance.Compute(f, g, y);
            Numerics.AssertClose(TestData.Host(t.norm(2)), TestData.Host(r.Norms), 1e-10, 1e-12, "norms of T");
            if (x.C > 1)
            {
                var tail = GradientBalance.Contributions(f, g, y, x.C - 1, 1);
                Numerics.AssertClose(TestData.Host(t.narrow(0, x.C - 1, 1)), TestData.Host(tail), 1e-12, 1e-12, "row subset");
            }
        }

        public enum LossKind { CrossEntropy, ArbBatch, ArbGlobal }

        private static Loss<Tensor, Tensor, Tensor> MakeLoss(LossKind kind, int classes, Random rng, nn.Reduction reduction = nn.Reduction.Mean) => kind switch
        {
            LossKind.CrossEntropy => nn.CrossEntropyLoss(reduction: reduction),
            LossKind.ArbBatch => new ArbLoss(classes, reduction),
            _ => new ArbLoss(Enumerable.Range(0, classes).Select(_ => (long)rng.Next(1, 500)).ToArray(), reduction),
        };

        /// <summary>A linear classifier on random data: z = f W^T + b, float64.</summary>
        private sealed record Linear(Batch X, double[] W, double[] Bias)
        {
            public static Linear Random(int seed)
            {
                var x = Batch.Random(seed, maxB: 8, maxC: 5, maxD: 4);
                var rng = new Random(seed ^ 0x5a5a);
                return new Linear(x, TestData.Normal(rng, x.C * x.D), TestData.Normal(rng, x.C));
            }
        }

        [Property(MaxTest = 20)]
        public void RowSumsEqualTheAutogradGradientForEveryLoss(int seed)
        {
            var lin = Linear.Random(seed);
            var x = lin.X;
            foreach (var kind in Enum.GetValues<LossKind>())
            {
                using var scope = NewDisposeScope();
                var rng = new Random(seed);
                using var loss = MakeLoss(kind, x.C, rng);
                var (f, _, y) = x.Tensors();
                var w = TestData.Matrix(lin.W, x.C, x.D).requires_grad_(true);
                var b = tensor(lin.Bias, ScalarType.Float64).requires_grad_(true);
                var z = f.matmul(w.t()).add(b);
                var value = loss.call(z, y);
                var gz = torch.autograd.grad(new[] { value }, new[] { z }, retain_graph: true)[0];
                value.backward();
                var wGrad = w.grad!;

                // As given: the Mean-reduced autograd logit gradient gives the autograd gradient of W itself.
                var sums = GradientBalance.Contributions(f, gz, y, 0, x.C).sum(1);
                Numerics.AssertClose(TestData.Host(wGrad), TestData.Host(sums), 1e-10, 1e-13, $"{kind}: sum_j T[i, j]");
                using var given = GradientBalance.Compute(f, gz, y);
                Numerics.AssertClose(TestData.Host(wGrad.norm(1)), TestData.Host(given.GradientNorm), 1e-9, 1e-13, $"{kind}: ||grad W_i||");

                // Loss-module overload: per-sample-sum convention, B times the autograd gradient under Mean.
                using var viaLoss = GradientBalance.Compute(f, z, y, loss);
                Numerics.AssertClose(TestData.Host(wGrad.norm(1).mul(x.B)), TestData.Host(viaLoss.GradientNorm), 1e-9, 1e-12, $"{kind}: B ||grad W_i||");
                Numerics.AssertClose(TestData.Host(given.Norms.mul(x.B)), TestData.Host(viaLoss.Norms), 1e-9, 1e-12, $"{kind}: norms scale by B");
            }
        }

        [Property(MaxTest = 10)]
        public void RowSumsEqualCentralFiniteDifferences(int seed)
        {
            var lin = Linear.Random(seed);
            var x = lin.X;
            foreach (var kind in Enum.GetValues<LossKind>())
            {
                using var scope = NewDisposeScope();
                using var loss = MakeLoss(kind, x.C, new Random(seed), nn.Reduction.Sum);
                var (f, _, y) = x.Tensors();
                var bias = tensor(lin.Bias, ScalarType.Float64);
                double Loss(double[] weights)
                {
                    using var s = NewDisposeScope();
                    return loss.call(f.matmul(TestData.Matrix(weights, x.C, x.D).t()).add(bias), y).item<double>();
                }
                var z = f.matmul(TestData.Matrix(lin.W, x.C, x.D).t()).add(bias);
                var g = GradientBalance.LogitGradient(z, y, loss);
                var sums = TestData.Host(GradientBalance.Contributions(f, g, y, 0, x.C).sum(1));
                const double h = 1e-6;
                var numeric = new double[lin.W.Length];
                for (int k = 0; k < lin.W.Length; k++)
                {
                    var plus = (double[])lin.W.Clone();
                    var minus = (double[])lin.W.Clone();
                    plus[k] += h;
                    minus[k] -= h;
                    numeric[k] = (Loss(plus) - Loss(minus)) / (2 * h);
                }
                Numerics.AssertClose(numeric, sums, 1e-6, 1e-7, $"{kind}: finite differences");
            }
        }

        [Fact]
        public void LogitGradientFollowsTheDocumentedScale()
        {
            using var scope = NewDisposeScope();
            var rng = new Random(3);
            var z = TestData.Matrix(TestData.Normal(rng, 6 * 4), 6, 4);
            var y = TestData.Labels(TestData.Labels(rng, 6, 4));
            using var sum = nn.CrossEntropyLoss(reduction: nn.Reduction.Sum);
            using var mean = nn.CrossEntropyLoss();
            using var none = nn.CrossEntropyLoss(reduction: nn.Reduction.None);
            var expected = TestData.Host(GradientBalance.LogitGradient(z, y, sum));
            Numerics.AssertClose(expected, TestData.Host(GradientBalance.LogitGradient(z, y, mean)), 1e-12, 1e-14, "mean x B");
            Numerics.AssertClose(expected, TestData.Host(GradientBalance.LogitGradient(z, y, none)), 1e-12, 1e-14, "none summed");
            // softmax - one-hot
            var manual = TestData.Host(z.softmax(1).sub(nn.functional.one_hot(y, 4).to_type(ScalarType.Float64)));
            Numerics.AssertClose(manual, expected, 1e-12, 1e-14, "softmax minus one-hot");
            // Works inside no_grad and leaves the caller's tensor alone.
            using (torch.no_grad())
                Numerics.AssertClose(expected, TestData.Host(GradientBalance.LogitGradient(z, y, sum)), 0, 0, "under no_grad");
            Assert.False(z.requires_grad);
        }

        [Property(MaxTest = 20)]
        public void ArbLossBalancesAndCrossEntropyDoesNotAtUniformLogits(int seed)
        {
            // Identical features and uniform logits: the balance is read off the logit gradient alone.
            var rng = new Random(seed);
            int b = rng.Next(2, 16), c = rng.Next(2, 6), d = rng.Next(1, 4);
            var labels = TestData.Labels(rng, b, c);
            using var scope = NewDisposeScope();
            var direction = TestData.Normal(rng, d);
            var f = tensor(direction, ScalarType.Float64).unsqueeze(0).expand(b, d).contiguous();
            var z = zeros(b, c, ScalarType.Float64);
            var y = TestData.Labels(labels);
            using var arb = new ArbLoss(c);
            using var ce = nn.CrossEntropyLoss();
            using var arbResult = GradientBalance.Compute(f, z, y, arb);
            using var ceResult = GradientBalance.Compute(f, z, y, ce);
            var present = TestData.HostBool(arbResult.Present);
            var arbA = TestData.Host(arbResult.Attraction);
            var arbR = TestData.Host(arbResult.Repulsion);
            var ceRatio = TestData.Host(ceResult.Ratio);
            double fNorm = Norm(direction);
            for (int i = 0; i < c; i++)
            {
                long n = labels.Count(v => v == i);
                Assert.Equal(n > 0, present[i]);
                if (n == 0 || n == b) continue;
                // ARB: attraction = repulsion = n_i (1 - n_i / B) |f|.
                Assert.Equal(n * (1 - (double)n / b) * fNorm, arbA[i], 9);
                Assert.Equal(arbA[i], arbR[i], 9);
                // Cross-entropy: attraction n_i (1 - 1/C) |f| against repulsion (B - n_i) / C |f|.
                Assert.Equal(n * (c - 1.0) / (b - n), ceRatio[i], 9);
            }
        }

        [Fact]
        public void AbsentClassesAreMarkedNotDividedByZero()
        {
            using var scope = NewDisposeScope();
            var rng = new Random(7);
            var f = TestData.Matrix(TestData.Normal(rng, 4 * 3), 4, 3);
            var g = TestData.Matrix(TestData.Normal(rng, 4 * 5), 4, 5);
            var y = TestData.Labels(new long[] { 0, 0, 2, 2 });
            using var r = GradientBalance.Compute(f, g, y);
            var v = r.ToHost();
            Assert.Equal(new[] { true, false, true, false, false }, v.Present);
            Assert.Equal(new long[] { 2, 0, 2, 0, 0 }, v.SampleCounts);
            foreach (int absent in new[] { 1, 3, 4 })
            {
                Assert.Equal(0.0, v.Attraction[absent]);
                Assert.True(double.IsNaN(v.Ratio[absent]));
                Assert.True(v.Repulsion[absent] > 0);   // absent classes are still pushed by the others
                for (int i = 0; i < 5; i++) Assert.Equal(0.0, v.Norms[i, absent]);
            }
            foreach (int present in new[] { 0, 2 })
                Assert.Equal(v.Attraction[present] / v.Repulsion[present], v.Ratio[present], 12);
            Assert.Equal(TestData.Host(r.Norms), v.Norms.Cast<double>().ToArray());
            Assert.Equal(1, v.Steps);
            Assert.Equal(5, v.NumClasses);
        }

        [Fact]
        public void Float32InputsAgreeWithFloat64()
        {
            var x = Batch.Random(11, maxB: 64, maxC: 20, maxD: 32) with { };
            using var scope = NewDisposeScope();
            var (f64, g64, y) = x.Tensors();
            var (f32, g32, _) = x.Tensors(ScalarType.Float32);
            using var a = GradientBalance.Compute(f64, g64, y);
            using var b = GradientBalance.Compute(f32, g32, y);
            Assert.Equal(ScalarType.Float32, b.Norms.dtype);
            Numerics.AssertClose(TestData.Host(a.Norms), TestData.Host(b.Norms), 1e-4, 1e-5, "float32 norms");
            Numerics.AssertClose(TestData.Host(a.Repulsion), TestData.Host(b.Repulsion), 1e-4, 1e-5, "float32 repulsion");
        }

        [Fact]
        public void INaturalistSizedClassCountWorks()
        {
            const int classes = 8142, batch = 48, dim = 8;
            var rng = new Random(5);
            using var scope = NewDisposeScope();
            var f = TestData.Matrix(TestData.Normal(rng, batch * dim), batch, dim, ScalarType.Float32);
            var logits = TestData.Matrix(TestData.Normal(rng, batch * classes), batch, classes, ScalarType.Float32);
            var labels = TestData.Labels(rng, batch, classes);
            var y = TestData.Labels(labels);
            using var loss = new ArbLoss(classes);
            var g = GradientBalance.LogitGradient(logits, y, loss);
            using var r = GradientBalance.Compute(f, g, y);
            Assert.Equal(new long[] { classes, classes }, r.Norms.shape);
            foreach (int row in new[] { 0, (int)labels[0], classes - 1 })
            {
                var direct = GradientBalance.Contributions(f, g, y, row, 1).norm(2).squeeze(0);
                Numerics.AssertClose(TestData.Host(direct), TestData.Host(r.Norms[row]), 1e-4, 1e-6, $"row {row}");
            }
            // Batch counts: classes absent from the batch get no gradient at all, hence no repulsion.
            var present = TestData.HostBool(r.Present);
            var repulsion = TestData.Host(r.Repulsion);
            Assert.All(Enumerable.Range(0, classes).Where(i => !present[i]), i => Assert.Equal(0.0, repulsion[i]));
        }

        [Fact]
        public void BadInputGetsArgumentExceptions()
        {
            using var scope = NewDisposeScope();
            var f = zeros(4, 3, ScalarType.Float32);
            var g = zeros(4, 5, ScalarType.Float32);
            var y = TestData.Labels(new long[] { 0, 1, 2, 3 });
            Assert.Throws<ArgumentNullException>(() => GradientBalance.Compute(null!, g, y));
            Assert.Throws<ArgumentNullException>(() => GradientBalance.Compute(f, null!, y));
            Assert.Throws<ArgumentNullException>(() => GradientBalance.Compute(f, g, null!));
            Assert.Contains("rows", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(zeros(3, 3), g, y)).Message);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, TestData.Labels(new long[] { 0, 1, 2 }))).ParamName);
            Assert.Equal("features", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(zeros(4, 3, 2), g, y)).ParamName);
            Assert.Equal("features", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(zeros(4, 3, ScalarType.Int64), g, y)).ParamName);
            Assert.Equal("logitGradient", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, zeros(4), y)).ParamName);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, y.to_type(ScalarType.Int32))).ParamName);
            var outOfRange = Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, TestData.Labels(new long[] { 0, 1, 5, 3 })));
            Assert.Contains("[0, 5)", outOfRange.Message);
            Assert.Throws<ArgumentException>(() => GradientBalance.Compute(f, g, TestData.Labels(new long[] { 0, -1, 2, 3 })));
            Assert.Contains("empty", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(zeros(0, 3), zeros(0, 5), TestData.Labels(Array.Empty<long>()))).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientBalance.Contributions(f, g, y, 5, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientBalance.Contributions(f, g, y, 3, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientBalance.Contributions(f, g, y, 0, 0));
            using var ce = nn.CrossEntropyLoss();
            Assert.Throws<ArgumentNullException>(() => GradientBalance.Compute(f, g, y, (Loss<Tensor, Tensor, Tensor>)null!));
            Assert.Equal("features", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(zeros(2, 3), g, y, ce)).ParamName);
            var disposed = zeros(4, 3);
            disposed.Dispose();
            Assert.Contains("disposed", Assert.Throws<ArgumentException>(() => GradientBalance.Compute(disposed, g, y)).Message);
        }

        [Property(MaxTest = 15)]
        public void AccumulatorMeanIsTheAverageOfTheSteps(int seed)
        {
            var rng = new Random(seed);
            int c = rng.Next(2, 6), d = rng.Next(1, 4), steps = rng.Next(1, 5);
            using var scope = NewDisposeScope();
            using var acc = new GradientBalanceAccumulator(c);
            Tensor normSum = zeros(c, c, ScalarType.Float64), repSum = zeros(c, ScalarType.Float64);
            var countSum = new long[c];
            for (int s = 0; s < steps; s++)
            {
                int b = rng.Next(1, 8);
                var labels = TestData.Labels(rng, b, c);
                var f = TestData.Matrix(TestData.Normal(rng, b * d), b, d);
                var g = TestData.Matrix(TestData.Normal(rng, b * c), b, c);
                var y = TestData.Labels(labels);
                using var one = GradientBalance.Compute(f, g, y);
                normSum = normSum.add(one.Norms);
                repSum = repSum.add(one.Repulsion);
                foreach (var l in labels) countSum[l]++;
                acc.Add(f, g, y);
            }
            Assert.Equal(steps, acc.Steps);
            using var mean = acc.Mean();
            Assert.Equal(steps, mean.Steps);
            Numerics.AssertClose(TestData.Host(normSum.div(steps)), TestData.Host(mean.Norms), 1e-12, 1e-14, "mean norms");
            Numerics.AssertClose(TestData.Host(repSum.div(steps)), TestData.Host(mean.Repulsion), 1e-12, 1e-14, "mean repulsion");
            Numerics.AssertClose(TestData.Host(mean.Norms.diagonal()), TestData.Host(mean.Attraction), 1e-12, 1e-14, "attraction = diagonal");
            Assert.Equal(countSum, TestData.HostLong(mean.SampleCounts));
            Assert.Equal(countSum.Select(n => n > 0).ToArray(), TestData.HostBool(mean.Present));

            // A mean re-added counts with its number of steps.
            using var again = new GradientBalanceAccumulator(c);
            again.Add(mean);
            using var same = again.Mean();
            Assert.Equal(steps, again.Steps);
            Numerics.AssertClose(TestData.Host(mean.Norms), TestData.Host(same.Norms), 1e-12, 1e-14, "re-added mean");

            acc.Reset();
            Assert.Equal(0, acc.Steps);
            Assert.Throws<ArgumentException>(() => acc.Mean());
        }

        [Fact]
        public void AccumulatorRejectsMisuse()
        {
            using var scope = NewDisposeScope();
            using var acc = new GradientBalanceAccumulator(3);
            Assert.Contains("Add", Assert.Throws<ArgumentException>(() => acc.Mean()).Message);
            var f = zeros(2, 4);
            var y = TestData.Labels(new long[] { 0, 1 });
            Assert.Equal("logitGradient", Assert.Throws<ArgumentException>(() => acc.Add(f, zeros(2, 5), y)).ParamName);
            using var ce = nn.CrossEntropyLoss();
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => acc.Add(f, zeros(2, 5), y, ce)).ParamName);
            Assert.Throws<ArgumentException>(() => acc.Add(f, zeros(2, 3), TestData.Labels(new long[] { 0, 3 })));
            Assert.Equal(0, acc.Steps);
            acc.Add(f, zeros(2, 3), y, ce);
            Assert.Equal(1, acc.Steps);
            using var other = GradientBalance.Compute(f, zeros(2, 4), y);
            Assert.Throws<ArgumentException>(() => acc.Add(other));
            Assert.Throws<ArgumentOutOfRangeException>(() => new GradientBalanceAccumulator(0));
            acc.Dispose();
            Assert.Throws<ObjectDisposedException>(() => acc.Mean());
        }
    }
}
