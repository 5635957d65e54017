using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Diagnostics
{
    public class NeuralCollapseTests
    {
        /// <summary>Streams rows of <paramref name="features"/> in random batches into a new accumulator.</summary>
        private static NeuralCollapseAccumulator Stream(Random rng, Tensor features, long[] labels, int classes,
            NeuralCollapseCentering centering = NeuralCollapseCentering.GlobalMean)
        {
            var acc = new NeuralCollapseAccumulator(classes, (int)features.shape[1], centering);
            var y = TestData.Labels(labels);
            foreach (var (start, length) in TestData.Splits(rng, labels.Length))
                acc.Update(features.narrow(0, start, length), y.narrow(0, start, length));
            return acc;
        }

        /// <summary>Simplex-ETF class means (scale r) in D dimensions, rotated by Q and offset; rows = classes.</summary>
        private static (Tensor means, Tensor centred) EtfMeans(Random rng, int classes, int dim, double scale)
        {
            using var scope = NewDisposeScope();
            var padded = zeros(classes, dim, ScalarType.Float64);
            padded.narrow(1, 0, classes).copy_(TestData.SimplexEtf(classes).mul(scale));
            var centred = padded.matmul(TestData.Orthogonal(rng, dim));
            var offset = tensor(TestData.Normal(rng, dim, 3.0), ScalarType.Float64);
            return (centred.add(offset).MoveToOuterDisposeScope(), centred.MoveToOuterDisposeScope());
        }

        private static (Tensor features, long[] labels) Repeat(Random rng, Tensor means, int[] counts)
        {
            var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).OrderBy(_ => rng.Next()).ToArray();
            return (means.index_select(0, TestData.Labels(labels)), labels);
        }

        [Property(MaxTest = 25)]
        public void PerfectSimplexEtfHasZeroNc1AndEtfCosines(int seed)
        {
            var rng = new Random(seed);
            int c = rng.Next(2, 8), dim = c + rng.Next(0, 4);
            bool balanced = rng.Next(2) == 0;
            var centering = balanced ? NeuralCollapseCentering.GlobalMean : NeuralCollapseCentering.ClassMeanAverage;
            int perClass = rng.Next(1, 5);
            var counts = Enumerable.Range(0, c).Select(_ => balanced ? perClass : rng.Next(1, 6)).ToArray();
            using var scope = NewDisposeScope();
            var (means, centred) = EtfMeans(rng, c, dim, 0.5 + 3 * rng.NextDouble());
            var (features, labels) = Repeat(rng, means, counts);
            using var acc = Stream(rng, features, labels, c, centering);
            var classifier = centred.mul(0.1 + rng.NextDouble());
            var r = acc.Compute(classifier);

            Assert.Equal(c, r.ObservedClasses);
            Assert.Equal(counts.Sum(), r.SampleCount);
            Assert.Equal(-1.0 / (c - 1), r.EtfCosine, 15);
            Assert.InRange(r.Nc1, 0, 1e-10);
            Assert.InRange(r.ClassMeanNormVariation, 0, 1e-9);
            Assert.InRange(r.ClassMeanCosineStd, 0, 1e-9);
            Assert.InRange(r.ClassMeanCosineDeviation, 0, 1e-9);
            Assert.InRange(r.ClassifierNormVariation!.Value, 0, 1e-9);
            Assert.InRange(r.ClassifierCosineStd!.Value, 0, 1e-9);
            Assert.InRange(r.ClassifierCosineDeviation!.Value, 0, 1e-9);
            Assert.InRange(r.SelfDuality!.Value, 0, 1e-7);
            // A classifier pointing the other way is as far from self-dual as possible.
            Assert.Equal(2.0, acc.Compute(classifier.neg()).SelfDuality!.Value, 9);
        }

        [Property(MaxTest = 25)]
        public void WithinClassSpreadAlongOneDirectionGivesClosedFormNc1(int seed)
        {
            // Each class: mean +/- delta u. Sigma_W = delta^2 u u^T, Sigma_B = r^2 P / (C - 1) on the ETF span, so
            // NC1 = delta^2 (C - 1) / (C r^2) for a unit u inside the span and 0 for u orthogonal to it.
            var rng = new Random(seed);
            int c = rng.Next(2, 7), dim = c + 1;
            double delta = 0.05 + rng.NextDouble(), r = 0.5 + 2 * rng.NextDouble();
            using var scope = NewDisposeScope();
            var rotation = TestData.Orthogonal(rng, dim);
            var padded = zeros(c, dim, ScalarType.Float64);
            padded.narrow(1, 0, c).copy_(TestData.SimplexEtf(c).mul(r));
            var offset = tensor(TestData.Normal(rng, dim, 5.0), ScalarType.Float64);
            var means = padded.matmul(rotation).add(offset);
            var inSpan = padded[0].div(padded[0].norm()).matmul(rotation);
            var orthogonal = zeros(dim, ScalarType.Float64);
            orthogonal[c] = 1.0;
            orthogonal = orthogonal.matmul(rotation);
            foreach (var (u, expected) in new[] { (inSpan, delta * delta * (c - 1) / (c * r * r)), (orthogonal, 0.0) })
            {
                var plus = means.add(u.mul(delta));
                var minus = means.sub(u.mul(delta));
                var features = cat(new[] { plus, minus });
                var labels = Enumerable.Range(0, c).Concat(Enumerable.Range(0, c)).Select(v => (long)v).ToArray();
                using var acc = Stream(rng, features, labels, c);
                var report = acc.Compute();
                Assert.Equal(expected, report.Nc1, 10);
                Assert.Null(report.SelfDuality);
                Assert.Null(report.ClassifierCosineStd);
                // The class means stay an ETF.
                Assert.InRange(report.ClassMeanCosineDeviation, 0, 1e-9);
                Numerics.AssertClose(TestData.Host(u.outer(u).mul(delta * delta)), TestData.Host(acc.WithinClassCovariance()), 1e-9, 1e-12, "Sigma_W");
            }
        }

        [Property(MaxTest = 25)]
        public void StreamedMetricsEqualTheDirectComputation(int seed)
        {
            var rng = new Random(seed);
            int c = rng.Next(2, 6), dim = rng.Next(2, 7), n = rng.Next(c + 2, 40);
            var labels = TestData.Labels(rng, n, c);
            labels[0] = 0;
            labels[1] = 1;
            var centering = rng.Next(2) == 0 ? NeuralCollapseCentering.GlobalMean : NeuralCollapseCentering.ClassMeanAverage;
            using var scope = NewDisposeScope();
            var f = TestData.Matrix(TestData.Normal(rng, n * dim), n, dim).add(tensor(TestData.Normal(rng, dim, 4.0), ScalarType.Float64));
            var w = TestData.Matrix(TestData.Normal(rng, c * dim), c, dim);
            using var acc = Stream(rng, f, labels, c, centering);
            var r = acc.Compute(w);

            // Direct, from all features at once.
            var observed = Enumerable.Range(0, c).Where(k => labels.Contains(k)).ToArray();
            int co = observed.Length;
            var y = TestData.Labels(labels);
            var means = stack(observed.Select(k => f.index_select(0, TestData.Labels(labels.Select((l, i) => (l, i)).Where(p => p.l == k).Select(p => (long)p.i).ToArray())).mean(new long[] { 0 })).ToArray());
            var centre = centering == NeuralCollapseCentering.GlobalMean ? f.mean(new long[] { 0 }) : means.mean(new long[] { 0 });
            var m = means.sub(centre);
            var allMeans = zeros(c, dim, ScalarType.Float64).index_copy_(0, TestData.Labels(observed.Select(k => (long)k).ToArray()), means);
            var resid = f.sub(allMeans.index_select(0, y));
            var sigmaW = resid.t().matmul(resid).div(n);
            var sigmaB = m.t().matmul(m).div(co);
            double nc1 = sigmaW.matmul(linalg.pinv(sigmaB, rtol: 1e-10)).trace().item<double>() / co;
            Assert.Equal(nc1, r.Nc1, 1e-7 * Math.Max(1, Math.Abs(nc1)));
            Numerics.AssertClose(TestData.Host(sigmaW), TestData.Host(acc.WithinClassCovariance()), 1e-9, 1e-11, "Sigma_W");
            Numerics.AssertClose(TestData.Host(f.mean(new long[] { 0 })), TestData.Host(acc.GlobalMean()), 1e-10, 1e-12, "global mean");

            (double cv, double std, double dev) Geometry(Tensor rows)
            {
                var norms = TestData.Host(rows.norm(1));
                double mean = norms.Average();
                double cv = Math.Sqrt(norms.Select(v => (v - mean) * (v - mean)).Average()) / mean;
                var cos = new List<double>();
                for (int i = 0; i < co; i++)
                    for (int j = i + 1; j < co; j++)
                        cos.Add(rows[i].dot(rows[j]).item<double>() / (norms[i] * norms[j]));
                double cm = cos.Average();
                return (cv, Math.Sqrt(cos.Select(v => (v - cm) * (v - cm)).Average()), cos.Select(v => Math.Abs(v + 1.0 / (co - 1))).Average());
            }
            var g = Geometry(m);
            Assert.Equal(g.cv, r.ClassMeanNormVariation, 9);
            Assert.Equal(g.std, r.ClassMeanCosineStd, 9);
            Assert.Equal(g.dev, r.ClassMeanCosineDeviation, 9);
            var wObs = w.index_select(0, TestData.Labels(observed.Select(k => (long)k).ToArray()));
            var gw = Geometry(wObs);
            Assert.Equal(gw.cv, r.ClassifierNormVariation!.Value, 9);
            Assert.Equal(gw.std, r.ClassifierCosineStd!.Value, 9);
            Assert.Equal(gw.dev, r.ClassifierCosineDeviation!.Value, 9);
            Assert.Equal(wObs.div(wObs.norm()).sub(m.div(m.norm())).norm().item<double>(), r.SelfDuality!.Value, 9);

            // Class means: observed rows equal the direct means, unobserved rows are NaN.
            var streamedMeans = acc.ClassMeans();
            for (int k = 0; k < c; k++)
            {
                var row = TestData.Host(streamedMeans[k]);
                if (observed.Contains(k)) Numerics.AssertClose(TestData.Host(allMeans[k]), row, 1e-10, 1e-12, $"mean {k}");
                else Assert.All(row, v => Assert.True(double.IsNaN(v)));
            }
            Assert.Equal(Enumerable.Range(0, c).Select(k => (long)labels.Count(l => l == k)).ToArray(), TestData.HostLong(acc.ClassCounts()));
            Assert.Equal(n, acc.SampleCount);
        }

        [Fact]
        public void Float32FeaturesFarFromTheOriginKeepTheirCovariance()
        {
            var rng = new Random(2);
            const int c = 4, dim = 6, n = 400;
            var labels = TestData.Labels(rng, n, c);
            using var scope = NewDisposeScope();
            var f32 = TestData.Matrix(TestData.Normal(rng, n * dim), n, dim).add(1000).to_type(ScalarType.Float32);
            var f64 = f32.to_type(ScalarType.Float64);
            using var a = Stream(rng, f32, labels, c);
            using var b = Stream(rng, f64, labels, c);
            Numerics.AssertClose(TestData.Host(b.WithinClassCovariance()), TestData.Host(a.WithinClassCovariance()), 1e-4, 1e-4, "float32 Sigma_W");
            Assert.Equal(b.Compute().Nc1, a.Compute().Nc1, 1e-4);
        }

        [Fact]
        public void BadInputGetsArgumentExceptions()
        {
            using var scope = NewDisposeScope();
            Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralCollapseAccumulator(1, 4));
            Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralCollapseAccumulator(3, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new NeuralCollapseAccumulator(3, 4, (NeuralCollapseCentering)7));
            using var acc = new NeuralCollapseAccumulator(3, 4);
            Assert.Contains("empty", Assert.Throws<ArgumentException>(() => acc.Compute()).Message);
            Assert.Throws<ArgumentException>(() => acc.ClassMeans());
            var y = TestData.Labels(new long[] { 0, 1 });
            Assert.Equal("features", Assert.Throws<ArgumentException>(() => acc.Update(zeros(2, 5), y)).ParamName);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => acc.Update(zeros(3, 4), y)).ParamName);
            Assert.Contains("[0, 3)", Assert.Throws<ArgumentException>(() => acc.Update(zeros(2, 4), TestData.Labels(new long[] { 0, 3 }))).Message);
            Assert.Throws<ArgumentNullException>(() => acc.Update(null!, y));
            acc.Update(zeros(0, 4), TestData.Labels(Array.Empty<long>()));          // an empty batch is ignored
            acc.Update(ones(2, 4), TestData.Labels(new long[] { 1, 1 }));
            Assert.Contains("two classes", Assert.Throws<ArgumentException>(() => acc.Compute()).Message);
            acc.Update(zeros(1, 4), TestData.Labels(new long[] { 2 }));
            Assert.Equal("classifierWeight", Assert.Throws<ArgumentException>(() => acc.Compute(zeros(4, 3))).ParamName);
            Assert.Equal(0.0, acc.Compute(ones(3, 4)).Nc1, 12);
            acc.Reset();
            Assert.Equal(0, acc.SampleCount);
            Assert.Throws<ArgumentException>(() => acc.Compute());
            acc.Dispose();
            Assert.Throws<ObjectDisposedException>(() => acc.Update(zeros(1, 4), TestData.Labels(new long[] { 0 })));
        }

        [Fact]
        public void DeviceStyleDeferredValidationReportsBadLabelsWhenRead()
        {
            using var scope = NewDisposeScope();
            using var acc = new NeuralCollapseAccumulator(3, 2) { ForceDeferredValidation = true };
            acc.Update(TestData.Matrix(new double[] { 1, 0, 0, 1, 5, 5 }, 3, 2), TestData.Labels(new long[] { 0, 1, 7 }));
            Assert.Equal(new long[] { 1, 1, 0 }, TestData.HostLong(acc.ClassCounts()));
            var ex = Assert.Throws<ArgumentException>(() => acc.Compute());
            Assert.Equal("targets", ex.ParamName);
            Assert.Contains("outside [0, 3)", ex.Message);
        }
    }
}
