using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// The mixup criterion <c>lam * L(yA) + (1 - lam) * L(yB)</c> for any loss module. With a batch-count <see cref="IClassCountLoss"/>
    /// (<see cref="ArbLoss"/> or one of its variants) both terms use the counts of the un-mixed targets <c>yA</c>, as in the authors' code.
    /// </summary>
    public static class MixupLoss
    {
        /// <summary>Computes <c>lambda * criterion(logits, targetsA) + (1 - lambda) * criterion(logits, targetsB)</c>.</summary>
        /// <param name="criterion">Any loss module, e.g. <see cref="ArbLoss"/> or TorchSharp's <c>CrossEntropyLoss</c>.</param>
        /// <param name="logits">Logits of the mixed inputs [B, C].</param>
        /// <param name="targetsA">Targets of the un-mixed batch [B].</param>
        /// <param name="targetsB">Targets of the permuted batch [B].</param>
        /// <param name="lambda">Mixing weight in [0, 1].</param>
        /// <returns>The mixed loss, shaped as the criterion's output.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is outside [0, 1] or NaN.</exception>
        /// <exception cref="ArgumentException">The two target vectors differ in shape, or the criterion rejects its inputs.</exception>
        public static Tensor Compute(nn.Module<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor targetsA, Tensor targetsB, double lambda)
        {
            if (criterion is null) throw new ArgumentNullException(nameof(criterion));
            if (logits is null) throw new ArgumentNullException(nameof(logits));
            if (targetsA is null) throw new ArgumentNullException(nameof(targetsA));
            if (targetsB is null) throw new ArgumentNullException(nameof(targetsB));
            if (!(lambda >= 0 && lambda <= 1))
                throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The mixup weight must lie in [0, 1].");
            if (!targetsA.shape.AsSpan().SequenceEqual(targetsB.shape))
                throw new ArgumentException($"targetsA has shape [{string.Join(", ", targetsA.shape)}] but targetsB has [{string.Join(", ", targetsB.shape)}].", nameof(targetsB));

            using var scope = NewDisposeScope();
            Tensor a, b;
            if (criterion is IClassCountLoss arb && arb.CountSource == CountSource.Batch)
            {
                LossChecks.Logits(logits, nameof(logits));
                LossChecks.Target(targetsA, logits, nameof(targetsA));
                var counts = targetsA.bincount(null, logits.size(1));
                a = arb.forward(logits, targetsA, counts);
                b = arb.forward(logits, targetsB, counts);
            }
            else
            {
                a = criterion.call(logits, targetsA);
                b = criterion.call(logits, targetsB);
            }
            using var lamScalar = lambda.ToScalar();
            using var restScalar = (1 - lambda).ToScalar();
            return a.mul(lamScalar).add(b.mul(restScalar), Functional.Constants.One).MoveToOuterDisposeScope();
        }
    }
}
