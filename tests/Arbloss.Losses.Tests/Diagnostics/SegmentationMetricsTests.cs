using System;
using System.Linq;
using Arbloss.Losses.Diagnostics;
using Arbloss.Losses.LongTail;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Diagnostics
{
    public class SegmentationMetricsTests
    {
        private const long Ignore = 255;

        /// <summary>Per-pixel reference: every score counted straight from the pixel arrays, no confusion matrix.</summary>
        private static (double?[] IoU, double?[] Acc, double? MIoU, double? PixAcc, double? MAcc, double? FwIoU) Reference(long[] pred, long[] target, int c)
        {
            var iou = new double?[c];
            var acc = new double?[c];
            long pixels = target.Count(t => t != Ignore), correct = 0;
            for (int i = 0; i < target.Length; i++) if (target[i] != Ignore && pred[i] == target[i]) correct++;
            double fw = 0;
            for (int k = 0; k < c; k++)
            {
                long inter = 0, union = 0, inTarget = 0;
                for (int i = 0; i < target.Length; i++)
                {
                    if (target[i] == Ignore) continue;
                    bool t = target[i] == k, p = pred[i] == k;
                    if (t && p) inter++;
                    if (t || p) union++;
                    if (t) inTarget++;
                }
                iou[k] = union > 0 ? (double)inter / union : null;
                acc[k] = inTarget > 0 ? (double)inter / inTarget : null;
                if (inTarget > 0) fw += (double)inTarget / pixels * iou[k]!.Value;
            }
            double? Mean(double?[] v) => v.Any(x => x is not null) ? v.Where(x => x is not null).Average(x => x!.Value) : null;
            return (iou, acc, Mean(iou), pixels > 0 ? (double)correct / pixels : null, Mean(acc), pixels > 0 ? fw : null);
        }

        [Property(MaxTest = 40)]
        public void ScoresEqualThePerPixelReference(int seed)
        {
            var rng = new Random(seed);
            int c = rng.Next(1, 8), n = rng.Next(1, 4), h = rng.Next(1, 6), w = rng.Next(1, 7);
            int pixels = n * h * w;
            var logits = TestData.Normal(rng, n * c * h * w);
            var target = Enumerable.Range(0, pixels).Select(_ => rng.Next(5) == 0 ? Ignore : rng.Next(c)).ToArray();
            using var scores = tensor(logits, ScalarType.Float64).reshape(n, c, h, w);
            using var targets = tensor(target).reshape(n, h, w);
            // The prediction of each pixel, read here from the host logits (arg-max over the class dimension).
            var pred = new long[pixels];
            for (int b = 0; b < n; b++)
                for (int p = 0; p < h * w; p++)
                {
                    int best = 0;
                    for (int k = 1; k < c; k++)
                        if (logits[(b * c + k) * h * w + p] > logits[(b * c + best) * h * w + p]) best = k;
                    pred[b * h * w + p] = best;
                }
            var expected = Reference(pred, target, c);
            using var metrics = new SegmentationMetrics(c, ignoreIndex: Ignore);
            // Two updates (the batch split in halves along N when possible) accumulate like one.
            if (n > 1)
            {
                using var first = scores.narrow(0, 0, 1);
                using var firstTarget = targets.narrow(0, 0, 1);
                using var rest = scores.narrow(0, 1, n - 1);
                using var restTarget = targets.narrow(0, 1, n - 1);
                metrics.Update(first, firstTarget);
                metrics.Update(rest, restTarget);
            }
            else
            {
                metrics.Update(scores, targets);
            }
            var report = metrics.Compute();
            Assert.Equal(target.Count(t => t != Ignore), report.Pixels);
            for (int k = 0; k < c; k++)
            {
                AssertClose(expected.IoU[k], report.PerClassIoU[k]);
                AssertClose(expected.Acc[k], report.PerClassAccuracy[k]);
            }
            AssertClose(expected.MIoU, report.MeanIoU);
            AssertClose(expected.PixAcc, report.PixelAccuracy);
            AssertClose(expected.MAcc, report.MeanClassAccuracy);
            AssertClose(expected.FwIoU, report.FrequencyWeightedIoU);
        }

        private static void AssertClose(double? expected, double? actual)
        {
            Assert.Equal(expected is null, actual is null);
            if (expected is double e) Assert.Equal(e, actual!.Value, 12);
        }

        [Fact]
        public void IgnoredPixelsChangeNothingAndPredictionsMayBeGivenDirectly()
        {
            long[] target = { 0, 1, Ignore, 2, 2, Ignore };
            using var metrics = new SegmentationMetrics(3, ignoreIndex: Ignore);
            metrics.Update(tensor(new long[] { 0, 1, 0, 2, 1, 1 }).reshape(1, 2, 3), tensor(target).reshape(1, 2, 3));
            var a = metrics.Compute();
            metrics.Reset();
            metrics.Update(tensor(new long[] { 0, 1, 2, 2, 1, 0 }).reshape(1, 2, 3), tensor(target).reshape(1, 2, 3));
            var b = metrics.Compute();
            Assert.Equal(4, a.Pixels);
            Assert.Equal(a.PerClassIoU, b.PerClassIoU);
            // Class 0: 1 / 1; class 1: 1 / 2 (one pixel of class 2 predicted 1); class 2: 1 / 2.
            Assert.Equal(new double?[] { 1.0, 0.5, 0.5 }, a.PerClassIoU);
            Assert.Equal(0.75, a.PixelAccuracy);
            Assert.Equal(new long[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 1, 1 } }, a.Confusion);
        }

        [Fact]
        public void ShotGroupsAverageTheirClassesIoU()
        {
            var groups = ShotGroups.FromIndexRanges(4, (0, 1), (1, 3), (3, 4));
            using var metrics = new SegmentationMetrics(4, groups);
            // Class 0 perfect; classes 1 and 2 confused with each other; class 3 never predicted.
            metrics.Update(tensor(new long[] { 0, 0, 2, 1, 0 }), tensor(new long[] { 0, 0, 1, 2, 3 }));
            var r = metrics.Compute();
            Assert.Equal(2.0 / 3.0, r.PerClassIoU[0]!.Value, 12);   // TP 2, FP 1 (the class-3 pixel), FN 0
            Assert.Equal(0.0, r.PerClassIoU[1]);
            Assert.Equal(0.0, r.PerClassIoU[3]);
            Assert.Equal(2.0 / 3.0, r.ManyShotMeanIoU!.Value, 12);
            Assert.Equal(0.0, r.MediumShotMeanIoU);
            Assert.Equal(0.0, r.FewShotMeanIoU);
        }

        [Fact]
        public void NothingEvaluatedGivesNullScores()
        {
            using var metrics = new SegmentationMetrics(3, ignoreIndex: Ignore);
            metrics.Update(tensor(new long[] { 0, 1 }), tensor(new long[] { Ignore, Ignore }));
            var r = metrics.Compute();
            Assert.Equal(0, r.Pixels);
            Assert.Null(r.MeanIoU);
            Assert.Null(r.PixelAccuracy);
            Assert.All(r.PerClassIoU, v => Assert.Null(v));
        }

        [Fact]
        public void BadInputIsNamed()
        {
            using var metrics = new SegmentationMetrics(3, ignoreIndex: Ignore);
            var e = Assert.Throws<ArgumentException>(() => metrics.Update(tensor(new long[] { 0, 1 }), tensor(new long[] { 0, 7 })));
            Assert.Equal("targets", e.ParamName);
            Assert.Contains("7", e.Message);
            e = Assert.Throws<ArgumentException>(() => metrics.Update(torch.zeros(2, 4, 3), torch.zeros(2, 3, ScalarType.Int64)));
            Assert.Equal("scoresOrPredictions", e.ParamName);
            e = Assert.Throws<ArgumentException>(() => metrics.Update(torch.zeros(2, 3, 5), torch.zeros(2, 4, ScalarType.Int64)));
            Assert.Equal("targets", e.ParamName);
            e = Assert.Throws<ArgumentException>(() => metrics.Update(tensor(new long[] { 0, 3 }), tensor(new long[] { 0, 1 })));
            Assert.Equal("scoresOrPredictions", e.ParamName);
            Assert.Throws<ArgumentException>(() => new SegmentationMetrics(4, ShotGroups.FromIndexRanges(3, (0, 1), (1, 2), (2, 3))));
        }

        [Fact]
        public void UpdatesInsideTheCallersPerBatchScopeKeepTheRunningMatrix()
        {
            // The documented loop: one dispose scope per batch around Update. The running confusion matrix must
            // survive each scope (it once moved into the caller's scope and was disposed with the first batch).
            using var metrics = new SegmentationMetrics(3, null, Ignore);
            var batches = new[] { (new long[] { 0, 1, 2, 2 }, new long[] { 0, 1, 1, 255 }), (new long[] { 2, 2, 0, 1 }, new long[] { 2, 0, 0, 1 }) };
            foreach (var (p, t) in batches)
            {
                using var scope = NewDisposeScope();
                metrics.Update(tensor(p).view(1, 2, 2), tensor(t).view(1, 2, 2));
            }
            var report = metrics.Compute();
            var reference = Reference(batches.SelectMany(b => b.Item1).ToArray(), batches.SelectMany(b => b.Item2).ToArray(), 3);
            Assert.Equal(7, report.Pixels);
            Assert.Equal(reference.MIoU!.Value, report.MeanIoU!.Value, 12);
            Assert.Equal(reference.PixAcc!.Value, report.PixelAccuracy!.Value, 12);
        }
    }
}
