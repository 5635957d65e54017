using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Streams features batch by batch and measures neural collapse (<see cref="NeuralCollapseReport"/>): it keeps per-class
    /// sums, counts and the second moment of the features [D, D] in float64 on the features' device, never the features
    /// themselves. Memory: <c>(C + D) * D</c> doubles. Not thread-safe.
    /// </summary>
    /// <remarks>
    /// Feature batches in float64 are processed in float64; other dtypes are converted to float32 for the per-batch
    /// second moment and accumulated in float64. The moment is taken about the mean of the first batch, which keeps
    /// the within-class covariance accurate for features far from the origin.
    /// On the CPU a target outside [0, C) throws in <see cref="Update"/>; on an accelerator it is counted on the
    /// device (no synchronisation per batch), left out, and reported when the results are read.
    /// </remarks>
    /// <example>
    /// <code>
    /// using var nc = new NeuralCollapseAccumulator(numClasses, featureDim);
    /// foreach (var (x, y) in evalBatches) { using var s = torch.NewDisposeScope(); nc.Update(backbone.call(x), y); }
    /// var report = nc.Compute(classifier.weight);   // report.Nc1, report.ClassMeanCosineDeviation, report.SelfDuality ...
    /// </code>
    /// </example>
    public sealed class NeuralCollapseAccumulator : IDisposable
    {
        // Scalars made once (TorchSharp frees Scalars in the finalizer only; see Functional.Constants).
        private static readonly Scalar Zero = 0.ToScalar();
        private static readonly Scalar One = 1.ToScalar();
        private static readonly Scalar Two = 2.ToScalar();
        private static readonly Scalar Half = 0.5.ToScalar();
        private static readonly Scalar NaN = double.NaN.ToScalar();
        private static readonly Scalar SmallestPositive = double.Epsilon.ToScalar();

        private Tensor? _shift;        // [D] float64, mean of the first batch
        private Tensor? _classSums;    // [C, D] float64, per-class sums of (f - shift)
        private Tensor? _counts;       // [C] int64
        private Tensor? _moment;       // [D, D] float64, sum of (f - shift)(f - shift)^T
        private Tensor? _invalid;      // int64 scalar, out-of-range targets seen on an accelerator
        private bool _disposed;

        /// <summary>Creates an empty accumulator.</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="featureDimension">Feature dimension D.</param>
        /// <param name="centering">Centre of the class means (default: the global mean, as Papyan et al.).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 2, <paramref name="featureDimension"/>
        /// below 1, or <paramref name="centering"/> is not a defined value.</exception>
        public NeuralCollapseAccumulator(int numClasses, int featureDimension, NeuralCollapseCentering centering = NeuralCollapseCentering.GlobalMean)
        {
            DiagnosticChecks.NumClasses(numClasses, nameof(numClasses), 2);
            if (featureDimension < 1)
                throw new ArgumentOutOfRangeException(nameof(featureDimension), featureDimension, "The feature dimension must be at least 1.");
            if (!Enum.IsDefined(centering))
                throw new ArgumentOutOfRangeException(nameof(centering), centering, "Unknown centering.");
            NumClasses = numClasses;
            FeatureDimension = featureDimension;
            Centering = centering;
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>Feature dimension D.</summary>
        public int FeatureDimension { get; }

        /// <summary>How class means are centred.</summary>
        public NeuralCollapseCentering Centering { get; }

        /// <summary>Number of feature rows passed to <see cref="Update"/> since construction or the last <see cref="Reset"/> (host counter, no synchronisation).</summary>
        public long SampleCount { get; private set; }

        /// <summary>For tests: count out-of-range targets on the device even for CPU tensors.</summary>
        internal bool ForceDeferredValidation { get; set; }

        /// <summary>Adds a batch of features with their labels. An empty batch is ignored.</summary>
        /// <param name="features">Features [B, D], any floating dtype. Gradients are not tracked.</param>
        /// <param name="targets">int64 class indices [B] in [0, C), on the features' device.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype or feature dimension; a batch-size or device mismatch
        /// (every batch must be on the device of the first); or, for CPU tensors, a target outside [0, C).</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Update(Tensor features, Tensor targets)
        {
            CheckAlive();
            DiagnosticChecks.FloatMatrix(features, nameof(features), "features");
            if (features.size(1) != FeatureDimension)
                throw new ArgumentException($"The features have dimension {features.size(1)} but the accumulator was built for {FeatureDimension}.", nameof(features));
            DiagnosticChecks.Targets(targets, features, nameof(targets), "features");
            if (_counts is not null) DiagnosticChecks.SameDevice(features, _counts, nameof(features), "features", "earlier batches");
            if (features.size(0) == 0) return;
            var invalid = DiagnosticChecks.DeferredTargetRange(targets, NumClasses, nameof(targets), ForceDeferredValidation);

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var device = features.device;
            var f64 = features.detach().to_type(ScalarType.Float64);
            if (_shift is null)
            {
                _shift = f64.mean(new long[] { 0 }).DetachFromDisposeScope();
                _classSums = zeros(NumClasses, FeatureDimension, ScalarType.Float64, device).DetachFromDisposeScope();
                _counts = zeros(NumClasses, ScalarType.Int64, device).DetachFromDisposeScope();
                _moment = zeros(FeatureDimension, FeatureDimension, ScalarType.Float64, device).DetachFromDisposeScope();
                _invalid = zeros(Array.Empty<long>(), ScalarType.Int64, device).DetachFromDisposeScope();
            }
            var x = f64.sub(_shift);
            var index = targets;
            if (invalid is not null)
            {
                // Out-of-range rows are zeroed and sent to class 0 with weight 0: the sums stay those of the valid rows.
                using var classLimit = NumClasses.ToScalar();
                var valid = targets.ge(Zero).logical_and(targets.lt(classLimit));
                x = x.mul(valid.unsqueeze(1));
                index = targets.masked_fill(valid.logical_not(), Zero);
                _counts!.index_add_(0, index, valid.to_type(ScalarType.Int64), One);
                _invalid!.add_(invalid, One);
            }
            else
            {
                _counts!.index_add_(0, index, ones(index.size(0), ScalarType.Int64, device), One);
            }
            _classSums!.index_add_(0, index, x, One);
            var xm = features.dtype == ScalarType.Float64 ? x : x.to_type(ScalarType.Float32);
            _moment!.add_(xm.t().matmul(xm).to_type(ScalarType.Float64), One);
            SampleCount += features.size(0);
        }

        /// <summary>Number of samples of each class so far [C] (int64, a new tensor on the accumulator's device).</summary>
        /// <returns>The counts; all zero before the first batch (on the CPU).</returns>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public Tensor ClassCounts()
        {
            CheckAlive();
            return _counts is null ? zeros(NumClasses, ScalarType.Int64) : _counts.clone();
        }

        /// <summary>The class means [C, D] (float64, a new tensor); rows of classes without samples are NaN.</summary>
        /// <returns>The means.</returns>
        /// <exception cref="ArgumentException">No features have been added (an empty evaluation).</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public Tensor ClassMeans()
        {
            CheckNonEmpty();
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var n = _counts!.to_type(ScalarType.Float64).unsqueeze(1);
            return _classSums!.div(n).add(_shift!, One).masked_fill(n.eq(Zero), NaN).MoveToOuterDisposeScope();
        }

        /// <summary>The global (sample) mean of all features [D] (float64, a new tensor).</summary>
        /// <returns>The mean.</returns>
        /// <exception cref="ArgumentException">No features have been added (an empty evaluation).</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public Tensor GlobalMean()
        {
            CheckNonEmpty();
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var n = _counts!.sum().to_type(ScalarType.Float64);
            return _classSums!.sum(0L).div(n).add(_shift!, One).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The within-class covariance <c>Sigma_W = (1/N) sum_s (f_s - mu_{y_s})(f_s - mu_{y_s})^T</c> [D, D] (float64, a
        /// new tensor, symmetric).
        /// </summary>
        /// <returns>The covariance.</returns>
        /// <exception cref="ArgumentException">No features have been added (an empty evaluation).</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public Tensor WithinClassCovariance()
        {
            CheckNonEmpty();
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            return WithinCovariance().MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Computes the neural-collapse metrics over the classes seen so far (reads back once). The accumulator keeps its
        /// state, so more batches may follow.
        /// </summary>
        /// <param name="classifierWeight">Optional classifier weight [C, D] (rows = classes, e.g. <c>Linear.weight</c>) for the
        /// classifier equinorm / equiangularity and self-duality; any device and floating dtype.</param>
        /// <returns>The metrics, on the host.</returns>
        /// <exception cref="ArgumentException">No features have been added (an empty evaluation); fewer than two classes
        /// have samples; an out-of-range target was seen on an accelerator; or the classifier weight is not a floating
        /// [C, D] matrix.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public NeuralCollapseReport Compute(Tensor? classifierWeight = null)
        {
            CheckNonEmpty();
            if (classifierWeight is not null)
            {
                DiagnosticChecks.FloatMatrix(classifierWeight, nameof(classifierWeight), "classifier weight");
                if (classifierWeight.size(0) != NumClasses || classifierWeight.size(1) != FeatureDimension)
                    throw new ArgumentException($"The classifier weight must have shape [{NumClasses}, {FeatureDimension}] (classes, features); got {DiagnosticChecks.Shape(classifierWeight)}. Pass Linear.weight, not its transpose.", nameof(classifierWeight));
            }

            long[] counts;
            long invalid;
            using (var packed = cat(new[] { _counts!, _invalid!.reshape(1) }).cpu())
            {
                var all = packed.data<long>().ToArray();
                counts = all[..NumClasses];
                invalid = all[NumClasses];
            }
            if (invalid > 0) throw new ArgumentException(DiagnosticChecks.DeferredRangeMessage(invalid, NumClasses, "Update"), "targets");
            long total = counts.Sum();
            if (total == 0) throw new ArgumentException("No valid samples have been added: the evaluation is empty.");
            var observed = Enumerable.Range(0, NumClasses).Where(c => counts[c] > 0).Select(c => (long)c).ToArray();
            int cObs = observed.Length;
            if (cObs < 2)
                throw new ArgumentException($"Neural-collapse metrics compare classes, but only {cObs} class has samples; evaluate on data with at least two classes.");

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var device = _counts!.device;
            var obs = tensor(observed, ScalarType.Int64, device);
            var n = _counts.index_select(0, obs).to_type(ScalarType.Float64).unsqueeze(1);
            var means = _classSums!.index_select(0, obs).div(n);                     // shifted coordinates
            using var totalScalar = ((double)total).ToScalar();
            var centre = Centering == NeuralCollapseCentering.GlobalMean
                ? _classSums.sum(0L).div(totalScalar)
                : means.mean(new long[] { 0 });
            var m = means.sub(centre);                                                 // centred class means [C', D]

            // NC1 = tr(Sigma_W Sigma_B^+) / C' with Sigma_B = M^T M / C' = V diag(s^2 / C') V^T.
            var sigmaW = WithinCovariance();
            var (_, s, vh) = linalg.svd(m, fullMatrices: false);
            using var eps = (Math.Max(cObs, FeatureDimension) * 2.220446049250313e-16).ToScalar();
            var keep = s.gt(s.max().mul(eps)).logical_and(s.gt(Zero));
            var projected = vh.matmul(sigmaW).mul(vh).sum(1);                          // v_k^T Sigma_W v_k
            var nc1 = projected.div(s.pow(Two).masked_fill(keep.logical_not(), One)).masked_fill(keep.logical_not(), Zero).sum().clamp_min(Zero);   // >= 0 up to rounding

            var parts = new List<Tensor> { nc1 };
            parts.AddRange(Geometry(m, cObs));
            bool hasClassifier = classifierWeight is not null;
            if (hasClassifier)
            {
                var w = classifierWeight!.detach().to(device).to_type(ScalarType.Float64).index_select(0, obs);
                parts.AddRange(Geometry(w, cObs));
                var selfDuality = w.div(w.norm()).sub(m.div(m.norm())).norm();
                parts.Add(selfDuality);
            }
            double[] v;
            using (var host = stack(parts.Select(p => p.reshape(Array.Empty<long>())).ToArray()).cpu())
                v = host.data<double>().ToArray();
            return new NeuralCollapseReport(total, cObs, Centering, v[0], v[1], v[2], v[3],
                hasClassifier ? v[4] : null, hasClassifier ? v[5] : null, hasClassifier ? v[6] : null, hasClassifier ? v[7] : null);
        }

        /// <summary>Forgets every batch.</summary>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
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

        /// <summary>Norm variation, cosine std and mean |cos + 1/(C'-1)| of the rows of <paramref name="rows"/>, as scalars.</summary>
        private static Tensor[] Geometry(Tensor rows, int count)
        {
            var norms = rows.norm(1);
            var variation = norms.std(0L, unbiased: false).div(norms.mean());
            var unit = rows.div(norms.clamp_min(SmallestPositive).unsqueeze(1));
            var cosines = unit.matmul(unit.t());
            var upper = torch.triu_indices(count, count, 1, device: rows.device);
            var pairs = cosines.index(upper[0], upper[1]);
            var cosineStd = pairs.std(0L, unbiased: false);
            using var simplexCosine = (1.0 / (count - 1)).ToScalar();   // disposed at the end (a finalizer-only Scalar pins heap holes)
            var deviation = pairs.add(simplexCosine, One).abs().mean();
            return new[] { variation, cosineStd, deviation };
        }

        /// <summary>(moment - S^T diag(1/n) S) / N in shifted coordinates, symmetrised.</summary>
        private Tensor WithinCovariance()
        {
            var counts = _counts!.to_type(ScalarType.Float64);
            var total = counts.sum();
            var scaled = _classSums!.div(counts.clamp_min(One).unsqueeze(1));
            var between = _classSums.t().matmul(scaled);
            var sigma = _moment!.sub(between).div(total);
            return sigma.add(sigma.t(), One).mul(Half);
        }

        private void CheckNonEmpty()
        {
            CheckAlive();
            if (_counts is null)
                throw new ArgumentException("No features have been added since construction or the last Reset(): the evaluation is empty. Call Update(features, targets) first.");
        }

        private void DisposeState()
        {
            _shift?.Dispose();
            _classSums?.Dispose();
            _counts?.Dispose();
            _moment?.Dispose();
            _invalid?.Dispose();
            _shift = _classSums = _counts = _moment = _invalid = null;
        }

        private void CheckAlive()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(NeuralCollapseAccumulator));
        }
    }
}
