using Arbloss.Losses.LongTail;
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
    public class ClassificationMetricsTests
    {
        /// <summary>Straightforward host implementation of every metric, sample by sample.</summary>
        private sealed class Reference
        {
            public Dictionary<int, double> TopK = new();
            public double[] PerClass = Array.Empty<double>();
            public long[] Count = Array.Empty<long>();
            public long[] BinCount = Array.Empty<long>();
            public double Ece, Mce, AvgConfidence;

            public static Reference Of(double[] z, long[] y, int c, int bins, int[] ks)
            {
                int n = y.Length;
                var r = new Reference { Count = new long[c], BinCount = new long[bins] };
                var correct = new long[c];
                var hits = ks.ToDictionary(k => k, _ => 0L);
                var binCorrect = new double[bins];
                var binConf = new double[bins];
                double confSum = 0;
                for (int s = 0; s < n; s++)
                {
                    var row = z.Skip(s * c).Take(c).ToArray();
                    double max = row.Max();
                    double conf = 1 / row.Sum(v => Math.Exp(v - max));
                    int pred = Array.IndexOf(row, max);
                    int rank = row.Count(v => v > row[y[s]]);
                    foreach (var k in ks) if (rank < k) hits[k]++;
                    r.Count[y[s]]++;
                    if (pred == y[s]) correct[y[s]]++;
                    int bin = Math.Clamp((int)Math.Ceiling(conf * bins) - 1, 0, bins - 1);
                    r.BinCount[bin]++;
                    binConf[bin] += conf;
                    if (pred == y[s]) binCorrect[bin]++;
                    confSum += conf;
                }
                foreach (var k in ks) r.TopK[k] = (double)hits[k] / n;
                r.PerClass = Enumerable.Range(0, c).Select(i => r.Count[i] > 0 ? (double)correct[i] / r.Count[i] : double.NaN).ToArray();
                for (int b = 0; b < bins; b++)
                {
                    if (r.BinCount[b] == 0) continue;
                    double gap = Math.Abs(binCorrect[b] / r.BinCount[b] - binConf[b] / r.BinCount[b]);
                    r.Ece += (double)r.BinCount[b] / n * gap;
                    r.Mce = Math.Max(r.Mce, gap);
                }
                r.AvgConfidence = confSum / n;
                return r;
            }
        }

        [Property(MaxTest = 40)]
        public void StreamedMetricsEqualTheSampleBySampleReference(int seed)
        {
            var rng = new Random(seed);
            int c = rng.Next(1, 12), n = rng.Next(1, 60), bins = rng.Next(1, 4) == 1 ? rng.Next(1, 30) : 15;
            double temperature = 0.2 + 4 * rng.NextDouble();
            var z = TestData.Normal(rng, n * c, temperature);
            var labels = TestData.Labels(rng, n, c);
            var dtype = rng.Next(3) == 0 ? ScalarType.Float32 : ScalarType.Float64;
            if (dtype == ScalarType.Float32) z = z.Select(v => (double)(float)v).ToArray();
            int[] ks = { 1, 2, 5, 7 };
            var expected = Reference.Of(z, labels, c, bins, ks);

            using var scope = NewDisposeScope();
            var logits = TestData.Matrix(z, n, c, dtype);
            var y = TestData.Labels(labels);
            using var metrics = new ClassificationMetrics(c, null, bins, new[] { 7, 2 });
            foreach (var (start, length) in TestData.Splits(rng, n))
                metrics.Update(logits.narrow(0, start, length), y.narrow(0, start, length));
            var r = metrics.Compute();

            Assert.Equal(n, r.SampleCount);
            Assert.Equal(new[] { 1, 2, 5, 7 }, metrics.TopKValues);
            foreach (var k in ks) Assert.Equal(expected.TopK[k], r.TopK[k], 12);
            Assert.Equal(expected.TopK[1], r.Top1, 12);
            Assert.Equal(expected.TopK[5], r.Top5, 12);
            Numerics.AssertClose(expected.PerClass.Select(v => double.IsNaN(v) ? -1 : v).ToArray(),
                r.PerClassAccuracy.Select(v => double.IsNaN(v) ? -1 : v).ToArray(), 1e-12, 1e-12, "per-class accuracy");
            Assert.Equal(expected.Count, r.PerClassCount);
            Assert.Equal(expected.PerClass.Where(v => !double.IsNaN(v)).Average(), r.BalancedAccuracy, 12);
            Assert.Equal(expected.BinCount, r.ReliabilityBins.Select(b => b.Count).ToArray());
            Assert.Equal(expected.Ece, r.Ece, 9);
            Assert.Equal(expected.Mce, r.Mce, 9);
            Assert.Equal(expected.AvgConfidence, r.AverageConfidence, 9);
            Assert.InRange(r.Ece, 0, r.Mce + 1e-12);
            Assert.Equal(bins, r.ReliabilityBins.Count);
            for (int b = 0; b < bins; b++)
            {
                Assert.Equal((double)b / bins, r.ReliabilityBins[b].Lower, 15);
                Assert.Equal((double)(b + 1) / bins, r.ReliabilityBins[b].Upper, 15);
                var bin = r.ReliabilityBins[b];
                if (bin.Count == 0) Assert.True(double.IsNaN(bin.Accuracy) && double.IsNaN(bin.Confidence));
                else Assert.InRange(bin.Confidence, bin.Lower, bin.Upper);
            }
            Assert.Null(r.ManyShotAccuracy);
            Assert.InRange(r.Top1, 0, r.Top5);
        }

        [Fact]
        public void HandComputedCalibrationExample()
        {
            // Two classes, logits [a, 0] give confidence sigmoid(a) for class 0.
            static double Logit(double p) => Math.Log(p / (1 - p));
            double a9 = Logit(0.9), a65 = Logit(0.65);
            var z = new[] { a9, 0, a9, 0, a9, 0, a9, 0, a65, 0, a65, 0 };
            var y = new long[] { 0, 0, 0, 1, 0, 0 };
            using var scope = NewDisposeScope();
            using var metrics = new ClassificationMetrics(2);
            metrics.Update(TestData.Matrix(z, 6, 2), TestData.Labels(y));
            var r = metrics.Compute();
            // Bin 13 (0.867, 0.933]: 4 samples, accuracy 0.75, confidence 0.9. Bin 9 (0.6, 0.667]: 2 samples, accuracy 1, confidence 0.65.
            Assert.Equal(4, r.ReliabilityBins[13].Count);
            Assert.Equal(2, r.ReliabilityBins[9].Count);
            Assert.Equal(0.75, r.ReliabilityBins[13].Accuracy, 12);
            Assert.Equal(0.9, r.ReliabilityBins[13].Confidence, 12);
            Assert.Equal(0.35, r.ReliabilityBins[9].Gap, 12);
            Assert.Equal(4.0 / 6 * 0.15 + 2.0 / 6 * 0.35, r.Ece, 12);
            Assert.Equal(0.35, r.Mce, 12);
            Assert.Equal(5.0 / 6, r.Top1, 12);
            Assert.Equal(1.0, r.Top5);                      // fewer than five classes
            Assert.Equal(new[] { 1.0, 0.0 }, r.PerClassAccuracy);
            Assert.Equal(0.5, r.BalancedAccuracy, 12);
        }

        [Fact]
        public void ShotGroupAccuraciesAverageTheirClasses()
        {
            // Six classes; class c is predicted correctly for the first `right[c]` of its `count[c]` samples.
            long[] train = { 500, 101, 100, 20, 19, 3 };
            int[] count = { 4, 2, 5, 1, 2, 0 };
            int[] right = { 3, 2, 1, 0, 1, 0 };
            var groups = ShotGroups.FromClassCounts(train);
            const int c = 6;
            var z = new List<double>();
            var y = new List<long>();
            for (int k = 0; k < c; k++)
                for (int s = 0; s < count[k]; s++)
                {
                    int predicted = s < right[k] ? k : (k + 1) % c;
                    z.AddRange(Enumerable.Range(0, c).Select(j => j == predicted ? 2.0 : 0.0));
                    y.Add(k);
                }
            using var scope = NewDisposeScope();
            using var metrics = new ClassificationMetrics(c, groups);
            metrics.Update(TestData.Matrix(z.ToArray(), y.Count, c), TestData.Labels(y.ToArray()));
            var r = metrics.Compute();
            Assert.Equal((3 / 4.0 + 2 / 2.0) / 2, r.ManyShotAccuracy!.Value, 12);     // classes 0, 1
            Assert.Equal((1 / 5.0 + 0 / 1.0) / 2, r.MediumShotAccuracy!.Value, 12);   // classes 2, 3
            Assert.Equal(1 / 2.0, r.FewShotAccuracy!.Value, 12);                      // class 4; class 5 has no samples
            Assert.True(double.IsNaN(r.PerClassAccuracy[5]));
            Assert.Equal(0, r.PerClassCount[5]);
            Assert.Equal((0.75 + 1 + 0.2 + 0 + 0.5) / 5, r.BalancedAccuracy, 12);

            // From index ranges with a gap: class 2 is in no group.
            var ranges = ShotGroups.FromIndexRanges(c, (0, 2), (3, 4), (4, 6));
            using var byRange = new ClassificationMetrics(c, ranges);
            byRange.Update(TestData.Matrix(z.ToArray(), y.Count, c), TestData.Labels(y.ToArray()));
            var rr = byRange.Compute();
            Assert.Equal(r.ManyShotAccuracy, rr.ManyShotAccuracy);
            Assert.Equal(0.0, rr.MediumShotAccuracy!.Value);
            Assert.Equal(0.5, rr.FewShotAccuracy!.Value, 12);
        }

        [Fact]
        public void BadInputGetsArgumentExceptions()
        {
            using var scope = NewDisposeScope();
            Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationMetrics(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationMetrics(3, calibrationBins: 0));
            Assert.Equal("topK", Assert.Throws<ArgumentException>(() => new ClassificationMetrics(3, topK: new[] { 0 })).ParamName);
            Assert.Equal("shotGroups", Assert.Throws<ArgumentException>(() => new ClassificationMetrics(3, ShotGroups.FromClassCounts(new long[] { 1, 2 }))).ParamName);
            using var metrics = new ClassificationMetrics(3);
            Assert.Contains("empty", Assert.Throws<ArgumentException>(() => metrics.Compute()).Message);
            var y = TestData.Labels(new long[] { 0, 1 });
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => metrics.Update(zeros(2, 4), y)).ParamName);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => metrics.Update(zeros(3, 3), y)).ParamName);
            Assert.Contains("[0, 3)", Assert.Throws<ArgumentException>(() => metrics.Update(zeros(2, 3), TestData.Labels(new long[] { 0, 3 }))).Message);
            Assert.Throws<ArgumentException>(() => metrics.Update(zeros(2, 3), TestData.Labels(new long[] { -1, 0 })));
            Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => metrics.Update(tensor(new[] { 0f, float.NaN, 0f, 1f, 2f, 3f }, new long[] { 2, 3 }), y)).Message);
            Assert.Throws<ArgumentNullException>(() => metrics.Update(null!, y));
            metrics.Update(zeros(0, 3), TestData.Labels(Array.Empty<long>()));   // an empty batch is ignored...
            Assert.Throws<ArgumentException>(() => metrics.Compute());           // ...and the evaluation is still empty
            metrics.Update(zeros(2, 3), y);
            Assert.Equal(2, metrics.Compute().SampleCount);
            metrics.Reset();
            Assert.Throws<ArgumentException>(() => metrics.Compute());
            metrics.Dispose();
            Assert.Throws<ObjectDisposedException>(() => metrics.Update(zeros(2, 3), y));
        }

        [Fact]
        public void DeviceStyleDeferredValidationReportsBadInputWhenRead()
        {
            using var scope = NewDisposeScope();
            using var labels = new ClassificationMetrics(3) { ForceDeferredValidation = true };
            labels.Update(TestData.Matrix(new double[] { 1, 0, 0, 0, 1, 0 }, 2, 3), TestData.Labels(new long[] { 0, 5 }));
            var ex = Assert.Throws<ArgumentException>(() => labels.Compute());
            Assert.Equal("targets", ex.ParamName);
            Assert.Contains("outside [0, 3)", ex.Message);

            using var logits = new ClassificationMetrics(3) { ForceDeferredValidation = true };
            logits.Update(TestData.Matrix(new double[] { 1, 0, 0, double.NaN, 1, 0 }, 2, 3), TestData.Labels(new long[] { 0, 1 }));
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => logits.Compute()).ParamName);

            // Valid rows in the deferred path give the same numbers as the immediate path.
            var rng = new Random(4);
            var z = TestData.Matrix(TestData.Normal(rng, 20 * 3), 20, 3);
            var y = TestData.Labels(TestData.Labels(rng, 20, 3));
            using var deferred = new ClassificationMetrics(3) { ForceDeferredValidation = true };
            using var immediate = new ClassificationMetrics(3);
            deferred.Update(z, y);
            immediate.Update(z, y);
            Assert.Equal(immediate.Compute().Ece, deferred.Compute().Ece, 14);
            Assert.Equal(immediate.Compute().Top1, deferred.Compute().Top1, 14);
        }
    }
}
