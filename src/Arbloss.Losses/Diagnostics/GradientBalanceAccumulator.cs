using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Averages the gradient-balance norms over the steps of an epoch, as the ARB-Loss authors log them: call
    /// <see cref="Add(Tensor, Tensor, Tensor)"/> after every backward pass, <see cref="Mean"/> at the end of the epoch,
    /// then <see cref="Reset"/>. Sums stay on the device of the first batch; nothing is read back until you read the
    /// result. Not thread-safe.
    /// </summary>
    /// <example>
    /// <code>
    /// using var balance = new GradientBalanceAccumulator(numClasses);
    /// // each step, after loss.backward(): features [B, D] fed to the last linear layer, logits [B, C]
    /// balance.Add(features, logits, labels, criterion);
    /// // end of epoch
    /// using var epoch = balance.Mean();
    /// var values = epoch.ToHost();        // values.Attraction[i], values.Repulsion[i], values.Ratio[i]
    /// balance.Reset();
    /// </code>
    /// </example>
    public sealed class GradientBalanceAccumulator : IDisposable
    {
        private Tensor? _norms, _attraction, _repulsion, _gradientNorm, _counts;
        private bool _disposed;

        /// <summary>Creates an empty accumulator for <paramref name="numClasses"/> classes.</summary>
        /// <param name="numClasses">Number of classes C (the logit gradient's second dimension).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        public GradientBalanceAccumulator(int numClasses)
        {
            DiagnosticChecks.NumClasses(numClasses, nameof(numClasses));
            NumClasses = numClasses;
        }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>Number of batches added since construction or the last <see cref="Reset"/>.</summary>
        public long Steps { get; private set; }

        /// <summary>Adds one batch, with the logit gradient used as given (see <see cref="GradientBalance.Compute(Tensor, Tensor, Tensor)"/>).</summary>
        /// <param name="features">Features [B, D].</param>
        /// <param name="logitGradient">Logit gradient [B, C].</param>
        /// <param name="targets">int64 class indices [B] in [0, C).</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="GradientBalance.Compute(Tensor, Tensor, Tensor)"/>; C differs
        /// from <see cref="NumClasses"/>; or the batch is on another device than the earlier ones.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Add(Tensor features, Tensor logitGradient, Tensor targets)
        {
            CheckAlive();
            CheckClasses(logitGradient, nameof(logitGradient));
            using var result = GradientBalance.Compute(features, logitGradient, targets);
            Add(result);
        }

        /// <summary>Adds one batch whose labels the caller also has on the host: nothing is read back from an accelerator
        /// (see <see cref="GradientBalance.Compute(Tensor, Tensor, Tensor, ReadOnlySpan{long})"/>).</summary>
        /// <param name="features">Features [B, D].</param>
        /// <param name="logitGradient">Logit gradient [B, C].</param>
        /// <param name="targets">int64 class indices [B] on the features' device.</param>
        /// <param name="hostTargets">The same labels on the host, in the same order.</param>
        /// <exception cref="ArgumentNullException">A tensor argument is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="GradientBalance.Compute(Tensor, Tensor, Tensor, ReadOnlySpan{long})"/>;
        /// C differs from <see cref="NumClasses"/>; or another device than the earlier batches.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Add(Tensor features, Tensor logitGradient, Tensor targets, ReadOnlySpan<long> hostTargets)
        {
            CheckAlive();
            CheckClasses(logitGradient, nameof(logitGradient));
            using var result = GradientBalance.Compute(features, logitGradient, targets, hostTargets);
            Add(result);
        }

        /// <summary>
        /// Adds one batch for a loss module (logit gradient from <see cref="GradientBalance.LogitGradient"/>, i.e. the
        /// gradient of the sum of per-sample losses).
        /// </summary>
        /// <param name="features">Features [B, D] fed to the classifier.</param>
        /// <param name="logits">Logits [B, C] the classifier produced.</param>
        /// <param name="targets">int64 class indices [B] in [0, C).</param>
        /// <param name="loss">The training loss.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="GradientBalance.Compute(Tensor, Tensor, Tensor, Loss{Tensor, Tensor, Tensor})"/>;
        /// C differs from <see cref="NumClasses"/>; or another device than the earlier batches.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Add(Tensor features, Tensor logits, Tensor targets, Loss<Tensor, Tensor, Tensor> loss)
        {
            CheckAlive();
            CheckClasses(logits, nameof(logits));
            using var result = GradientBalance.Compute(features, logits, targets, loss);
            Add(result);
        }

        /// <summary>Adds one batch of a dense (segmentation) head, every non-ignored position a sample (see
        /// <see cref="GradientBalance.ComputeDense"/>), with the logit gradient used as given.</summary>
        /// <param name="features">Features [N, D, d1, ..., dk].</param>
        /// <param name="logitGradient">Logit gradient [N, C, d1, ..., dk].</param>
        /// <param name="targets">int64 class indices [N, d1, ..., dk].</param>
        /// <param name="ignoreIndex">Target value of positions to leave out.</param>
        /// <exception cref="ArgumentException">As <see cref="GradientBalance.ComputeDense"/>, or the classes differ from this accumulator's.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator is disposed.</exception>
        public void AddDense(Tensor features, Tensor logitGradient, Tensor targets, long ignoreIndex = -100)
        {
            using var result = GradientBalance.ComputeDense(features, logitGradient, targets, ignoreIndex);
            Add(result);
        }

        /// <summary>Adds a computed result; a result that is itself a mean over several steps counts with its <see cref="GradientBalanceResult.Steps"/>.</summary>
        /// <param name="result">A result for the same number of classes, on the device of the earlier ones. It is not disposed.</param>
        /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
        /// <exception cref="ArgumentException">The result is disposed, has another number of classes, or lives on another device.</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Add(GradientBalanceResult result)
        {
            CheckAlive();
            if (result is null) throw new ArgumentNullException(nameof(result));
            if (result.Norms.IsInvalid) throw new ArgumentException("The result has been disposed.", nameof(result));
            if (result.NumClasses != NumClasses)
                throw new ArgumentException($"The result has {result.NumClasses} classes but the accumulator was built for {NumClasses}.", nameof(result));
            using var noGrad = torch.no_grad();
            // Made per call and disposed at its end (TorchSharp frees Scalars in the finalizer only; see Functional.Constants).
            using var steps = result.Steps.ToScalar();
            if (_norms is null)
            {
                _norms = result.Norms.mul(steps);
                _attraction = result.Attraction.mul(steps);
                _repulsion = result.Repulsion.mul(steps);
                _gradientNorm = result.GradientNorm.mul(steps);
                _counts = result.SampleCounts.clone();
                _norms.DetachFromDisposeScope();
                _attraction.DetachFromDisposeScope();
                _repulsion.DetachFromDisposeScope();
                _gradientNorm.DetachFromDisposeScope();
                _counts.DetachFromDisposeScope();
            }
            else
            {
                if (!LossChecks.SameDevice(result.Norms, _norms))
                    throw new ArgumentException($"This batch is on {result.Norms.device} but the earlier ones were on {_norms.device}; keep every batch of an epoch on one device.", nameof(result));
                _norms.add_(result.Norms, steps);
                _attraction!.add_(result.Attraction, steps);
                _repulsion!.add_(result.Repulsion, steps);
                _gradientNorm!.add_(result.GradientNorm, steps);
                _counts!.add_(result.SampleCounts, Functional.Constants.One);
            }
            Steps += result.Steps;
        }

        /// <summary>The mean over the steps added so far (a new result; the caller disposes it). The accumulator keeps its sums.</summary>
        /// <returns>Every norm averaged over steps; <see cref="GradientBalanceResult.SampleCounts"/> summed;
        /// <see cref="GradientBalanceResult.Ratio"/> = mean attraction / mean repulsion.</returns>
        /// <exception cref="ArgumentException">Nothing has been added since construction or the last <see cref="Reset"/> (an empty epoch).</exception>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public GradientBalanceResult Mean()
        {
            CheckAlive();
            if (_norms is null || Steps == 0)
                throw new ArgumentException("No batch has been added since construction or the last Reset(): call Add(features, logitGradient, targets) after each step before Mean().");
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            using var scale = (1.0 / Steps).ToScalar();
            return GradientBalanceResult.Create(_norms.mul(scale), _attraction!.mul(scale), _repulsion!.mul(scale),
                _gradientNorm!.mul(scale), _counts!.clone(), Steps);
        }

        /// <summary>Forgets every step (for the next epoch).</summary>
        /// <exception cref="ObjectDisposedException">The accumulator has been disposed.</exception>
        public void Reset()
        {
            CheckAlive();
            DisposeSums();
            Steps = 0;
        }

        /// <summary>Releases the accumulated tensors.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            DisposeSums();
            _disposed = true;
        }

        private void DisposeSums()
        {
            _norms?.Dispose();
            _attraction?.Dispose();
            _repulsion?.Dispose();
            _gradientNorm?.Dispose();
            _counts?.Dispose();
            _norms = _attraction = _repulsion = _gradientNorm = _counts = null;
        }

        private void CheckClasses(Tensor classColumns, string name)
        {
            if (classColumns is not null && !classColumns.IsInvalid && classColumns.dim() == 2 && classColumns.size(1) != NumClasses)
                throw new ArgumentException($"The tensor has {classColumns.size(1)} class columns but the accumulator was built for {NumClasses}.", name);
        }

        private void CheckAlive()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(GradientBalanceAccumulator));
        }
    }
}
