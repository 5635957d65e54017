using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.LongTail;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Accumulates the confusion matrix of a segmentation evaluation on the predictions' device (one int64 [C, C]
    /// tensor, no read-back per batch) and reports per-class IoU, mIoU, pixel accuracy, mean class accuracy,
    /// frequency-weighted IoU and the mIoU of many / medium / few classes (<see cref="ShotGroups"/>, e.g. from training
    /// pixel counts via <see cref="ShotGroups.FromClassCounts"/>). <see cref="Compute"/> reads the matrix back once.
    /// Not thread-safe.
    /// </summary>
    /// <remarks>
    /// Pixels whose target is <see cref="IgnoreIndex"/> are not counted. A target outside [0, C) that is not the ignore
    /// index is an error: thrown by <see cref="Update"/> for CPU targets; counted on the device for accelerator targets
    /// (no synchronisation) and thrown by <see cref="Compute"/>.
    /// </remarks>
    /// <example>
    /// <code>
    /// using var metrics = new SegmentationMetrics(19, ShotGroups.FromClassCounts(trainPixelCounts), ignoreIndex: 255);
    /// foreach (var (image, mask) in val) { using var s = torch.NewDisposeScope(); metrics.Update(model.call(image), mask); }
    /// var report = metrics.Compute();   // report.MeanIoU, report.FewShotMeanIoU, report.PerClassIoU
    /// </code>
    /// </example>
    public sealed class SegmentationMetrics : IDisposable
    {
        private Tensor? _confusion, _invalid;
        private bool _disposed;

        /// <summary>Creates empty metrics.</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="shotGroups">Optional many / medium / few grouping of the C classes.</param>
        /// <param name="ignoreIndex">Target value of pixels to leave out (TorchSharp's default -100; segmentation data often use 255).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        /// <exception cref="ArgumentException">The shot groups are for another number of classes.</exception>
        public SegmentationMetrics(int numClasses, ShotGroups? shotGroups = null, long ignoreIndex = -100)
        {
            DiagnosticChecks.NumClasses(numClasses, nameof(numClasses));
            if (shotGroups is not null && shotGroups.NumClasses != numClasses)
                throw new ArgumentException($"The shot groups cover {shotGroups.NumClasses} classes but the metrics are for {numClasses}.", nameof(shotGroups));
            NumClasses = numClasses;
            ShotGroups = shotGroups;
            IgnoreIndex = ignoreIndex;
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The shot grouping, or null.</summary>
        public ShotGroups? ShotGroups { get; }

        /// <summary>Target value of the pixels left out.</summary>
        public long IgnoreIndex { get; }

        /// <summary>Adds a batch.</summary>
        /// <param name="scoresOrPredictions">Either logits / scores [N, C, d1, ..., dk] (floating point; the prediction is
        /// the arg-max over dimension 1) or predicted class indices [N, d1, ..., dk] (int64).</param>
        /// <param name="targets">int64 targets [N, d1, ..., dk] on the same device: classes in [0, C) or <see cref="IgnoreIndex"/>.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The shapes or devices disagree, the dtypes are wrong, the scores do not have C
        /// channels, a prediction lies outside [0, C), or (CPU) a target lies outside [0, C) and is not the ignore index.</exception>
        /// <exception cref="ObjectDisposedException">The metrics are disposed.</exception>
        public void Update(Tensor scoresOrPredictions, Tensor targets)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(SegmentationMetrics));
            if (scoresOrPredictions is null) throw new ArgumentNullException(nameof(scoresOrPredictions));
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (targets.dtype != ScalarType.Int64)
                throw new ArgumentException($"targets must be int64; got {targets.dtype}.", nameof(targets));
            bool scores = torch.is_floating_point(scoresOrPredictions);
            if (!scores && scoresOrPredictions.dtype != ScalarType.Int64)
                throw new ArgumentException($"Pass floating-point scores [N, C, ...] or int64 predictions [N, ...]; got {scoresOrPredictions.dtype}.", nameof(scoresOrPredictions));
            var predShape = scores ? scoresOrPredictions.shape.Take(1).Concat(scoresOrPredictions.shape.Skip(2)).ToArray() : scoresOrPredictions.shape;
            if (scores && (scoresOrPredictions.dim() < 2 || scoresOrPredictions.size(1) != NumClasses))
                throw new ArgumentException($"Scores must be [N, {NumClasses}, d1, ..., dk]; got {DiagnosticChecks.Shape(scoresOrPredictions)}.", nameof(scoresOrPredictions));
            if (!predShape.SequenceEqual(targets.shape))
                throw new ArgumentException($"The targets {DiagnosticChecks.Shape(targets)} must have the predictions' shape [{string.Join(", ", predShape)}] (scores without their class dimension).", nameof(targets));
            DiagnosticChecks.SameDevice(targets, scoresOrPredictions, nameof(targets), "targets", "predictions");
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var prediction = (scores ? scoresOrPredictions.detach().argmax(1) : scoresOrPredictions).reshape(-1);
            var target = targets.reshape(-1);
            // Scalars made per call and disposed at its end (TorchSharp frees Scalars in the finalizer only; see Functional.Constants).
            using var ignore = IgnoreIndex.ToScalar();
            using var classCount = NumClasses.ToScalar();
            var keep = target.ne(ignore);
            var outOfRange = keep.logical_and(target.lt(Functional.Constants.Zero).logical_or(target.ge(classCount)));
            if (!scores && prediction.numel() > 0 && prediction.device_type == DeviceType.CPU)
            {
                long lo = prediction.min().item<long>(), hi = prediction.max().item<long>();
                if (lo < 0 || hi >= NumClasses)
                    throw new ArgumentException($"A prediction is {(lo < 0 ? lo : hi)}; predictions must lie in [0, {NumClasses}).", nameof(scoresOrPredictions));
            }
            if (target.device_type == DeviceType.CPU)
            {
                if (outOfRange.any().item<bool>())
                {
                    long bad = target.masked_select(outOfRange)[0].item<long>();
                    throw new ArgumentException($"A target is {bad}; targets must lie in [0, {NumClasses}) or be the ignore index {IgnoreIndex}.", nameof(targets));
                }
            }
            else
            {
                // Counted on the device; Compute throws. The bad pixels are left out of the matrix.
                var count = outOfRange.sum();
                _invalid = _invalid is null ? count.DetachFromDisposeScope() : Replace(_invalid, _invalid.add(count, Functional.Constants.One));
            }
            var valid = keep.logical_and(outOfRange.logical_not());
            var cells = target.masked_select(valid).mul(classCount).add(prediction.masked_select(valid), Functional.Constants.One);
            var batch = cells.bincount(null, (long)NumClasses * NumClasses).view(NumClasses, NumClasses);
            _confusion = _confusion is null ? batch.DetachFromDisposeScope() : Replace(_confusion, _confusion.add(batch, Functional.Constants.One));
        }

        // The running sums belong to the metrics (disposed by Reset / Dispose), not to any dispose scope of the caller's:
        // an Update inside a per-batch scope (the documented use) must not dispose them with the batch.
        private static Tensor Replace(Tensor old, Tensor updated)
        {
            var kept = updated.DetachFromDisposeScope();
            old.Dispose();
            return kept;
        }

        /// <summary>Forgets everything added so far.</summary>
        public void Reset()
        {
            _confusion?.Dispose();
            _invalid?.Dispose();
            _confusion = null;
            _invalid = null;
        }

        /// <summary>Reads the confusion matrix back (once) and computes the scores.</summary>
        /// <returns>The report; with no pixel evaluated yet, every score is null.</returns>
        /// <exception cref="ArgumentException">Accelerator targets held values outside [0, C) that are not the ignore index.</exception>
        /// <exception cref="ObjectDisposedException">The metrics are disposed.</exception>
        public SegmentationReport Compute()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(SegmentationMetrics));
            if (_invalid is not null && _invalid.item<long>() > 0)
                throw new ArgumentException($"{_invalid.item<long>()} target pixels were outside [0, {NumClasses}) and not the ignore index {IgnoreIndex}.", "targets");
            int c = NumClasses;
            var confusion = new long[c, c];
            if (_confusion is not null)
            {
                var host = _confusion.cpu().data<long>().ToArray();
                for (int t = 0; t < c; t++)
                    for (int p = 0; p < c; p++)
                        confusion[t, p] = host[t * c + p];
            }
            long pixels = 0, correct = 0;
            var targetPixels = new long[c];
            var predicted = new long[c];
            for (int t = 0; t < c; t++)
                for (int p = 0; p < c; p++)
                {
                    pixels += confusion[t, p];
                    targetPixels[t] += confusion[t, p];
                    predicted[p] += confusion[t, p];
                    if (t == p) correct += confusion[t, p];
                }
            var iou = new double?[c];
            var accuracy = new double?[c];
            for (int k = 0; k < c; k++)
            {
                long union = targetPixels[k] + predicted[k] - confusion[k, k];
                iou[k] = union > 0 ? (double)confusion[k, k] / union : null;
                accuracy[k] = targetPixels[k] > 0 ? (double)confusion[k, k] / targetPixels[k] : null;
            }
            double? Mean(IEnumerable<int> classes)
            {
                var values = classes.Where(k => iou[k] is not null).Select(k => iou[k]!.Value).ToArray();
                return values.Length == 0 ? null : values.Average();
            }
            var defined = accuracy.Where(a => a is not null).Select(a => a!.Value).ToArray();
            double? fwIoU = pixels == 0 ? null : Enumerable.Range(0, c).Where(k => targetPixels[k] > 0).Sum(k => (double)targetPixels[k] / pixels * (iou[k] ?? 0));
            return new SegmentationReport(confusion, pixels, iou, accuracy, Mean(Enumerable.Range(0, c)),
                pixels == 0 ? null : (double)correct / pixels, defined.Length == 0 ? null : defined.Average(), fwIoU,
                ShotGroups is null ? null : Mean(ShotGroups.ClassesIn(ShotGroup.Many)),
                ShotGroups is null ? null : Mean(ShotGroups.ClassesIn(ShotGroup.Medium)),
                ShotGroups is null ? null : Mean(ShotGroups.ClassesIn(ShotGroup.Few)));
        }

        /// <summary>Releases the device tensors.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            Reset();
            _disposed = true;
        }
    }
}
