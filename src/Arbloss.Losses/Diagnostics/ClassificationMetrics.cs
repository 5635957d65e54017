using Arbloss.Losses.LongTail;
using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Accumulates accuracy and calibration statistics over the batches of an evaluation: top-k, per-class and
    /// many / medium / few-shot accuracy, expected and maximum calibration error with equal-width confidence bins (15 by
    /// default, as the ARB-Loss authors report) and the reliability-diagram bins. Statistics stay on the logits' device;
    /// <see cref="Compute"/> reads them back once. Not thread-safe.
    /// </summary>
    /// <remarks>
    /// On the CPU, bad labels and non-finite logits throw in <see cref="Update"/>. On an accelerator they are counted on
    /// the device (no synchronisation per batch), their samples left out, and <see cref="Compute"/> throws.
    /// </remarks>
    /// <example>
    /// <code>
    /// using var metrics = new ClassificationMetrics(numClasses, ShotGroups.FromClassCounts(trainCounts));
    /// foreach (var (x, y) in testBatches) { using var s = torch.NewDisposeScope(); metrics.Update(model.call(x), y); }
    /// var report = metrics.Compute();   // report.Top1, report.FewShotAccuracy, report.Ece, report.ReliabilityBins
    /// </code>
    /// </example>
    public sealed class ClassificationMetrics : IDisposable
    {
        // Scalars made once (TorchSharp frees Scalars in the finalizer only; see Functional.Constants).
        private static readonly Scalar Zero = 0.ToScalar();
        private static readonly Scalar One = 1.ToScalar();

        private readonly int[] _topK;
        private Tensor? _classCount, _classCorrect, _topKCorrect, _binCount, _binCorrect, _binConfidence, _invalidTargets, _invalidLogits;
        private bool _disposed;

        /// <summary>Creates empty metrics.</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="shotGroups">Optional many / medium / few-shot grouping of the C classes.</param>
        /// <param name="calibrationBins">Number of equal-width confidence bins on [0, 1] (default 15).</param>
        /// <param name="topK">Extra k values for top-k accuracy; 1 and 5 are always included.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> or <paramref name="calibrationBins"/> is less than 1.</exception>
        /// <exception cref="ArgumentException">The shot groups are for another number of classes, or a k is less than 1.</exception>
        public ClassificationMetrics(int numClasses, ShotGroups? shotGroups = null, int calibrationBins = 15, IEnumerable<int>? topK = null)
        {
            DiagnosticChecks.NumClasses(numClasses, nameof(numClasses));
            if (calibrationBins < 1)
                throw new ArgumentOutOfRangeException(nameof(calibrationBins), calibrationBins, "At least one calibration bin is needed.");
            if (shotGroups is not null && shotGroups.NumClasses != numClasses)
                throw new ArgumentException($"The shot groups cover {shotGroups.NumClasses} classes but the metrics are for {numClasses}.", nameof(shotGroups));
            var ks = new SortedSet<int> { 1, 5 };
            foreach (var k in topK ?? Array.Empty<int>())
            {
                if (k < 1) throw new ArgumentException($"Top-k needs k >= 1; got {k}.", nameof(topK));
                ks.Add(k);
            }
            _topK = ks.ToArray();
            NumClasses = numClasses;
            ShotGroups = shotGroups;
            CalibrationBins = calibrationBins;
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The shot grouping, or null.</summary>
        public ShotGroups? ShotGroups { get; }

        /// <summary>Number of equal-width confidence bins.</summary>
        public int CalibrationBins { get; }

        /// <summary>The k values of top-k accuracy, ascending.</summary>
        public IReadOnlyList<int> TopKValues => _topK;

        /// <summary>Number of rows passed to <see cref="Update"/> since construction or the last <see cref="Reset"/> (host counter).</summary>
        public long SampleCount { get; private set; }

        /// <summary>For tests: validate on the device (deferred) even for CPU tensors.</summary>
        internal bool ForceDeferredValidation { get; set; }

        /// <summary>Adds a batch. An empty batch is ignored.</summary>
        /// <param name="logits">Logits [B, C] (any floating dtype; half precision is computed in float32). Softmax of each
        /// row gives the confidence used for calibration.</param>
        /// <param name="targets">int64 class indices [B] in [0, C), on the logits' device.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype or number of classes; a batch-size or device mismatch
        /// (every batch must be on the device of the first); or, for CPU tensors, a target outside [0, C) or a non-finite logit.</exception>
        /// <exception cref="ObjectDisposedException">The metrics have been disposed.</exception>
        public void Update(Tensor logits, Tensor targets)
        {
            CheckAlive();
            LossChecks.Logits(logits, nameof(logits));
            if (logits.size(1) != NumClasses)
                throw new ArgumentException($"The logits have {logits.size(1)} classes but the metrics were built for {NumClasses}.", nameof(logits));
            LossChecks.Target(targets, logits, nameof(targets));
            if (_classCount is not null) DiagnosticChecks.SameDevice(logits, _classCount, nameof(logits), "logits", "earlier batches' statistics");
            if (logits.size(0) == 0) return;

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var z = Functional.ComputeInput(logits.detach());
            var invalidTargets = DiagnosticChecks.DeferredTargetRange(targets, NumClasses, nameof(targets), ForceDeferredValidation);
            var finiteRows = z.isfinite().all(1);
            bool deferred = invalidTargets is not null;
            if (!deferred && !finiteRows.all().item<bool>())
            {
                long row = finiteRows.logical_not().nonzero()[0, 0].item<long>();
                throw new ArgumentException($"Logits row {row} holds NaN or infinity; calibration and accuracy need finite logits. Check the model for divergence.", nameof(logits));
            }

            var device = z.device;
            if (_classCount is null) Allocate(device);
            int bins = CalibrationBins;
            // Scalars made per call and disposed at its end (a finalizer-only Scalar pins holes in glibc's heap).
            using var classLimit = NumClasses.ToScalar();
            using var binScale = bins.ToScalar();
            using var lastBin = (bins - 1).ToScalar();
            Tensor valid, t;
            if (deferred)
            {
                var targetOk = targets.ge(Zero).logical_and(targets.lt(classLimit));
                valid = targetOk.logical_and(finiteRows);
                _invalidTargets!.add_(invalidTargets!, One);
                _invalidLogits!.add_(finiteRows.logical_not().logical_and(targetOk).sum(), One);
                t = targets.masked_fill(valid.logical_not(), Zero);
                z = z.masked_fill(valid.logical_not().unsqueeze(1), Zero);
            }
            else
            {
                valid = ones(targets.size(0), ScalarType.Bool, device);
                t = targets;
            }
            var validLong = valid.to_type(ScalarType.Int64);

            int kMax = Math.Min(_topK[^1], NumClasses);
            var top = z.topk(kMax, 1).indexes;                                                   // [B, kMax]
            var hitsUpTo = top.eq(t.unsqueeze(1)).to_type(ScalarType.Int64).cumsum(1).gt(Zero);    // target within the first k
            var kColumns = tensor(_topK.Select(k => (long)Math.Min(k, NumClasses) - 1).ToArray(), ScalarType.Int64, device);
            _topKCorrect!.add_(hitsUpTo.index_select(1, kColumns).logical_and(valid.unsqueeze(1)).to_type(ScalarType.Int64).sum(0L), One);

            var correct = top.select(1, 0).eq(t).logical_and(valid).to_type(ScalarType.Int64);
            _classCount!.index_add_(0, t, validLong, One);
            _classCorrect!.index_add_(0, t, correct, One);

            // Top-1 softmax probability exp(max z - logsumexp z), computed in float64 for the calibration sums.
            var z64 = z.to_type(ScalarType.Float64);
            var confidence = z64.max(1).values.sub(z64.logsumexp(1)).exp().mul(valid);
            var bin = confidence.mul(binScale).ceil().sub(One).clamp(Zero, lastBin).to_type(ScalarType.Int64);
            _binCount!.index_add_(0, bin, validLong, One);
            _binCorrect!.index_add_(0, bin, correct, One);
            _binConfidence!.index_add_(0, bin, confidence, One);
            SampleCount += logits.size(0);
        }

        /// <summary>Computes the report from everything added so far (one read-back). The metrics keep their state.</summary>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">No sample has been added (an empty evaluation), or bad labels / non-finite
        /// logits were seen on an accelerator.</exception>
        /// <exception cref="ObjectDisposedException">The metrics have been disposed.</exception>
        public ClassificationReport Compute()
        {
            CheckAlive();
            if (_classCount is null)
                throw new ArgumentException("No batch has been added since construction or the last Reset(): the evaluation is empty. Call Update(logits, targets) first.");
            int c = NumClasses, k = _topK.Length, b = CalibrationBins;
            double[] all;
            using (var scope = NewDisposeScope())
            {
                var packed = cat(new[]
                {
                    _classCount, _classCorrect!, _topKCorrect!, _binCount!, _binCorrect!, _binConfidence!,
                    _invalidTargets!.reshape(1), _invalidLogits!.reshape(1),
                }.Select(x => x.to_type(ScalarType.Float64)).ToArray()).cpu();
                all = packed.data<double>().ToArray();
            }
            int o = 0;
            double[] Take(int n) { var a = all[o..(o + n)]; o += n; return a; }
            var classCount = Take(c);
            var classCorrect = Take(c);
            var topKCorrect = Take(k);
            var binCount = Take(b);
            var binCorrect = Take(b);
            var binConfidence = Take(b);
            long invalidTargets = (long)all[o], invalidLogits = (long)all[o + 1];
            if (invalidTargets > 0)
                throw new ArgumentException(DiagnosticChecks.DeferredRangeMessage(invalidTargets, c, nameof(Update)), "targets");
            if (invalidLogits > 0)
                throw new ArgumentException($"{invalidLogits} rows of logits passed to Update since the last Reset() held NaN or infinity; those samples were left out. Check the model for divergence and call Reset().", "logits");

            double n = classCount.Sum();
            if (n == 0) throw new ArgumentException("No valid sample has been added: the evaluation is empty.");
            var topK = new Dictionary<int, double>();
            for (int i = 0; i < k; i++) topK[_topK[i]] = topKCorrect[i] / n;
            var perClass = new double[c];
            for (int i = 0; i < c; i++) perClass[i] = classCount[i] > 0 ? classCorrect[i] / classCount[i] : double.NaN;
            double balanced = perClass.Where(a => !double.IsNaN(a)).Average();

            double? GroupMean(ShotGroup g)
            {
                if (ShotGroups is null) return null;
                var values = ShotGroups.ClassesIn(g).Select(i => perClass[i]).Where(a => !double.IsNaN(a)).ToArray();
                return values.Length == 0 ? null : values.Average();
            }

            var reliability = new ReliabilityBin[b];
            double ece = 0, mce = 0;
            for (int i = 0; i < b; i++)
            {
                double accuracy = binCount[i] > 0 ? binCorrect[i] / binCount[i] : double.NaN;
                double confidence = binCount[i] > 0 ? binConfidence[i] / binCount[i] : double.NaN;
                reliability[i] = new ReliabilityBin((double)i / b, (double)(i + 1) / b, (long)binCount[i], accuracy, confidence);
                if (binCount[i] == 0) continue;
                double gap = Math.Abs(accuracy - confidence);
                ece += binCount[i] / n * gap;
                mce = Math.Max(mce, gap);
            }
            return new ClassificationReport((long)n, topK, perClass, Array.ConvertAll(classCount, x => (long)x), balanced,
                GroupMean(ShotGroup.Many), GroupMean(ShotGroup.Medium), GroupMean(ShotGroup.Few),
                ece, mce, binConfidence.Sum() / n, reliability);
        }

        /// <summary>Forgets every batch (for the next evaluation).</summary>
        /// <exception cref="ObjectDisposedException">The metrics have been disposed.</exception>
        public void Reset()
        {
            CheckAlive();
            DisposeState();
            SampleCount = 0;
        }

        /// <summary>Releases the accumulated tensors.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            DisposeState();
            _disposed = true;
        }

        private void Allocate(Device device)
        {
            Tensor Keep(Tensor x) => x.DetachFromDisposeScope();
            _classCount = Keep(zeros(NumClasses, ScalarType.Int64, device));
            _classCorrect = Keep(zeros(NumClasses, ScalarType.Int64, device));
            _topKCorrect = Keep(zeros(_topK.Length, ScalarType.Int64, device));
            _binCount = Keep(zeros(CalibrationBins, ScalarType.Int64, device));
            _binCorrect = Keep(zeros(CalibrationBins, ScalarType.Int64, device));
            _binConfidence = Keep(zeros(CalibrationBins, ScalarType.Float64, device));
            _invalidTargets = Keep(zeros(Array.Empty<long>(), ScalarType.Int64, device));
            _invalidLogits = Keep(zeros(Array.Empty<long>(), ScalarType.Int64, device));
        }

        private void DisposeState()
        {
            foreach (var x in new[] { _classCount, _classCorrect, _topKCorrect, _binCount, _binCorrect, _binConfidence, _invalidTargets, _invalidLogits })
                x?.Dispose();
            _classCount = _classCorrect = _topKCorrect = _binCount = _binCorrect = _binConfidence = _invalidTargets = _invalidLogits = null;
        }

        private void CheckAlive()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(ClassificationMetrics));
        }
    }
}
