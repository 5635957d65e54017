using System;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Diagnostics
{
    /// <summary>The dense (1x1-convolution head) gradient balance: every pixel a sample.</summary>
    public class DenseGradientBalanceTests
    {
        [Property(MaxTest = 30)]
        public void OnRowsItEqualsTheGramMatrixComputation(int seed)
        {
            // Two different algorithms (direct per-class products vs the batch Gram matrix) on the same [B, D] batch.
            var rng = new Random(seed);
            int b = rng.Next(1, 12), c = rng.Next(1, 6), d = rng.Next(1, 5);
            using var f = TestData.Matrix(TestData.Normal(rng, b * d), b, d);
            using var g = TestData.Matrix(TestData.Normal(rng, b * c), b, c);
            using var y = TestData.Labels(TestData.Labels(rng, b, c));
            using var dense = GradientBalance.ComputeDense(f, g, y);
            using var rows = GradientBalance.Compute(f, g, y);
            Assert.Equal(TestData.Host(rows.Norms), TestData.Host(dense.Norms), new Tolerance(1e-9));
            Assert.Equal(TestData.Host(rows.Repulsion), TestData.Host(dense.Repulsion), new Tolerance(1e-9));
            Assert.Equal(TestData.Host(rows.Attraction), TestData.Host(dense.Attraction), new Tolerance(1e-9));
            Assert.Equal(TestData.HostLong(rows.SampleCounts), TestData.HostLong(dense.SampleCounts));
        }

        [Property(MaxTest = 30)]
        public void EveryNonIgnoredPixelIsOneSampleOfTheLiteralDefinition(int seed)
        {
            var rng = new Random(seed);
            int n = rng.Next(1, 3), c = rng.Next(2, 5), d = rng.Next(1, 4), h = rng.Next(1, 4), w = rng.Next(1, 4);
            var fv = TestData.Normal(rng, n * d * h * w);
            var gv = TestData.Normal(rng, n * c * h * w);
            var yv = Enumerable.Range(0, n * h * w).Select(_ => rng.Next(4) == 0 ? 255L : rng.Next(c)).ToArray();
            if (yv.All(v => v == 255)) yv[0] = 0;
            using var f = tensor(fv, ScalarType.Float64).reshape(n, d, h, w);
            using var g = tensor(gv, ScalarType.Float64).reshape(n, c, h, w);
            using var y = tensor(yv).reshape(n, h, w);
            using var result = GradientBalance.ComputeDense(f, g, y, ignoreIndex: 255);
            // Literal: T[i, j] = sum over pixels p of class j of g[p, i] f_p, read from the NCHW arrays.
            var norms = TestData.Host(result.Norms);
            var repulsion = TestData.Host(result.Repulsion);
            for (int i = 0; i < c; i++)
            {
                var others = new double[d];
                for (int j = 0; j < c; j++)
                {
                    var t = new double[d];
                    for (int bn = 0; bn < n; bn++)
                        for (int p = 0; p < h * w; p++)
                        {
                            if (yv[bn * h * w + p] != j) continue;
                            double gi = gv[(bn * c + i) * h * w + p];
                            for (int k = 0; k < d; k++) t[k] += gi * fv[(bn * d + k) * h * w + p];
                        }
                    Assert.Equal(Math.Sqrt(t.Sum(v => v * v)), norms[i * c + j], 9);
                    if (j != i) for (int k = 0; k < d; k++) others[k] += t[k];
                }
                Assert.Equal(Math.Sqrt(others.Sum(v => v * v)), repulsion[i], 9);
            }
            var counts = TestData.HostLong(result.SampleCounts);
            for (int j = 0; j < c; j++) Assert.Equal(yv.Count(v => v == j), counts[j]);
        }

        [Fact]
        public void TheAccumulatorTakesDenseBatches()
        {
            var rng = new Random(5);
            using var f = tensor(TestData.Normal(rng, 2 * 3 * 4 * 4), ScalarType.Float64).reshape(2, 3, 4, 4);
            using var g = tensor(TestData.Normal(rng, 2 * 3 * 4 * 4), ScalarType.Float64).reshape(2, 3, 4, 4);
            using var y = tensor(TestData.Labels(rng, 32, 3)).reshape(2, 4, 4);
            using var acc = new GradientBalanceAccumulator(3);
            acc.AddDense(f, g, y);
            acc.AddDense(f, g, y);
            using var mean = acc.Mean();
            using var once = GradientBalance.ComputeDense(f, g, y);
            Assert.Equal(2, acc.Steps);
            Assert.Equal(TestData.Host(once.Norms), TestData.Host(mean.Norms), new Tolerance(1e-12));
        }

        [Fact]
        public void BadShapesAreNamed()
        {
            using var f = torch.zeros(2, 3, 4, 4, ScalarType.Float64);
            using var g = torch.zeros(2, 5, 4, 4, ScalarType.Float64);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => GradientBalance.ComputeDense(f, g, torch.zeros(2, 4, 3, ScalarType.Int64))).ParamName);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => GradientBalance.ComputeDense(f, g, torch.full(new long[] { 2, 4, 4 }, -100L))).ParamName);
            Assert.Equal("logitGradient", Assert.Throws<ArgumentException>(() => GradientBalance.ComputeDense(f, torch.zeros(2, 5, 16, ScalarType.Float64), torch.zeros(2, 4, 4, ScalarType.Int64))).ParamName);
        }

        private sealed class Tolerance : System.Collections.Generic.IEqualityComparer<double>
        {
            private readonly double _tol;
            public Tolerance(double tol) => _tol = tol;
            public bool Equals(double a, double b) => Math.Abs(a - b) <= _tol * (1 + Math.Abs(a));
            public int GetHashCode(double v) => 0;
        }
    }
}
