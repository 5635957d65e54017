using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// A mixed batch from <see cref="Mixup.Apply"/>: <c>MixedInputs = lam * x + (1 - lam) * x[perm]</c>, with the two
    /// target vectors and <c>lam</c> for the mixup criterion (<see cref="MixupLoss.Compute"/>).
    /// </summary>
    /// <remarks>
    /// <see cref="Dispose"/> frees the tensors this batch created (<see cref="MixedInputs"/>, <see cref="TargetsB"/>);
    /// <see cref="TargetsA"/> is the caller's own target tensor and is left alone. Inside a dispose scope the scope
    /// frees them as well.
    /// </remarks>
    public sealed class MixupBatch : IDisposable
    {
        internal MixupBatch(Tensor mixedInputs, Tensor targetsA, Tensor targetsB, double lambda, long[] permutation)
        {
            MixedInputs = mixedInputs;
            TargetsA = targetsA;
            TargetsB = targetsB;
            Lambda = lambda;
            Permutation = permutation;
        }

        /// <summary>The mixed inputs, same shape, dtype and device as the inputs.</summary>
        public Tensor MixedInputs { get; }

        /// <summary>The targets of the un-mixed batch (the tensor that was passed in, not a copy).</summary>
        public Tensor TargetsA { get; }

        /// <summary>The targets of the permuted batch, <c>targets[perm]</c>.</summary>
        public Tensor TargetsB { get; }

        /// <summary>The mixing weight lam in [0, 1] of the un-mixed batch.</summary>
        public double Lambda { get; }

        /// <summary>The permutation: row i was mixed with row <c>Permutation[i]</c>.</summary>
        public IReadOnlyList<long> Permutation { get; }

        /// <summary>The mixup criterion on this batch: <c>lam * criterion(logits, A) + (1 - lam) * criterion(logits, B)</c>.</summary>
        /// <param name="criterion">Any loss module, e.g. <see cref="ArbLoss"/>.</param>
        /// <param name="logits">The model's logits on <see cref="MixedInputs"/>.</param>
        /// <returns>The mixed loss, as <see cref="MixupLoss.Compute"/>.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The criterion rejects its inputs.</exception>
        public Tensor Loss(nn.Module<Tensor, Tensor, Tensor> criterion, Tensor logits) =>
            MixupLoss.Compute(criterion, logits, TargetsA, TargetsB, Lambda);

        /// <summary>Disposes <see cref="MixedInputs"/> and <see cref="TargetsB"/> (not the caller's <see cref="TargetsA"/>).</summary>
        public void Dispose()
        {
            MixedInputs.Dispose();
            TargetsB.Dispose();
        }
    }
}
