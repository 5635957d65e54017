using System;
using System.Collections.Generic;
using Arbloss.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Gradient accumulation as the trainer does it (<c>accumulation_steps: k</c>): an effective batch of B samples is
    /// split into k micro-batches of B / k; each micro-batch's mean loss is weighted by its share of the effective batch
    /// (<c>b_i / B</c>) before <c>backward()</c>, so the accumulated gradient equals the gradient of the effective
    /// batch's mean loss. ARB-Loss with batch counts uses the counts of the whole effective batch (of the un-mixed
    /// targets under mixup) for every micro-batch, through <see cref="IClassCountLoss.forward(Tensor, Tensor, Tensor)"/>.
    /// </summary>
    /// <remarks>Exact for losses whose mean is the plain average over samples (cross-entropy, ARB-Loss, logit-adjusted,
    /// LDAM, focal). Class-weighted cross-entropy (class_balanced, LDAM after re-weighting) divides each micro-batch by
    /// its own sum of weights, so accumulation approximates it. Batch-norm statistics are per micro-batch, and mixup pairs
    /// samples within a micro-batch.</remarks>
    public static class GradientAccumulation
    {
        // Made once (TorchSharp frees Scalars in the finalizer only; a Scalar per step pins holes in glibc's heap).
        private static readonly Scalar One = 1.ToScalar();

        /// <summary>Whether <paramref name="criterion"/> counts the classes of its batch (ARB-Loss with batch counts), so
        /// that accumulation must hand it the counts of the whole effective batch.</summary>
        /// <param name="criterion">The loss module.</param>
        /// <returns>True for an <see cref="ArbLoss"/> or one of its variants in <see cref="CountSource.Batch"/> mode.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="criterion"/> is null.</exception>
        public static bool NeedsBatchCounts(Loss<Tensor, Tensor, Tensor> criterion)
        {
            ArgumentNullException.ThrowIfNull(criterion);
            return criterion is IClassCountLoss { CountSource: CountSource.Batch };
        }

        /// <summary>The class counts of the effective batch at positions [<paramref name="start"/>, start + count) of an epoch's order.</summary>
        /// <param name="labels">Label of every sample of the training set.</param>
        /// <param name="order">The epoch's sample order.</param>
        /// <param name="start">First position of the effective batch.</param>
        /// <param name="count">Samples in the effective batch.</param>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="device">Where the counts are needed.</param>
        /// <returns>int64 counts [C] on <paramref name="device"/> (the caller owns them), copied there without blocking.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside the order, or a label outside [0, C).</exception>
        public static Tensor EffectiveBatchCounts(IReadOnlyList<long> labels, IReadOnlyList<int> order, int start, int count, int numClasses, Device device)
        {
            ArgumentNullException.ThrowIfNull(labels);
            ArgumentNullException.ThrowIfNull(order);
            if (start < 0 || count < 0 || start + count > order.Count)
                throw new ArgumentOutOfRangeException(nameof(count), $"Positions [{start}, {start + count}) lie outside the order of {order.Count}.");
            var counts = new long[numClasses];
            for (var i = start; i < start + count; i++)
            {
                var label = labels[order[i]];
                if (label < 0 || label >= numClasses) throw new ArgumentOutOfRangeException(nameof(labels), label, $"A label lies outside [0, {numClasses}).");
                counts[label]++;
            }
            // Counted on the host and copied without blocking: no host-device synchronisation.
            return DeviceUpload.Int64(counts, device);
        }

        /// <summary>
        /// The (unweighted) mean loss of one micro-batch: <c>criterion(logits, targets)</c>, or under mixup
        /// <c>lambda * L(targets) + (1 - lambda) * L(mixedTargets)</c>; for ARB-Loss with batch counts both terms use
        /// <paramref name="effectiveCounts"/>. Multiply by <c>b_i / B</c> before <c>backward()</c>.
        /// </summary>
        /// <param name="criterion">The loss module.</param>
        /// <param name="logits">Logits [b, C] of the (mixed) micro-batch.</param>
        /// <param name="targets">Un-mixed targets [b].</param>
        /// <param name="mixedTargets">Targets of the permuted partners under mixup, or null without mixup.</param>
        /// <param name="lambda">Mixup weight in [0, 1] (ignored without mixup).</param>
        /// <param name="effectiveCounts">Counts [C] of the whole effective batch's un-mixed targets, for ARB-Loss with batch
        /// counts; null to let the criterion count (or for criteria that do not count).</param>
        /// <returns>A scalar.</returns>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="ArgumentException">The criterion rejects its inputs (for example a target absent from the counts).</exception>
        public static Tensor MicroBatchLoss(Loss<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor targets,
            Tensor? mixedTargets = null, double lambda = 1.0, Tensor? effectiveCounts = null)
        {
            ArgumentNullException.ThrowIfNull(criterion);
            ArgumentNullException.ThrowIfNull(logits);
            ArgumentNullException.ThrowIfNull(targets);
            if (effectiveCounts is not null && criterion is IClassCountLoss { CountSource: CountSource.Batch } arb)
            {
                using var scope = NewDisposeScope();
                var a = arb.forward(logits, targets, effectiveCounts);
                if (mixedTargets is null) return a.MoveToOuterDisposeScope();
                if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The mixup weight must lie in [0, 1].");
                var b = arb.forward(logits, mixedTargets, effectiveCounts);
                using var weightA = lambda.ToScalar();
                using var weightB = (1 - lambda).ToScalar();
                return a.mul(weightA).add(b.mul(weightB), One).MoveToOuterDisposeScope();
            }
            return mixedTargets is null
                ? criterion.call(logits, targets)
                : MixupLoss.Compute(criterion, logits, targets, mixedTargets, lambda);
        }
    }
}
