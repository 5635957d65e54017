using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// A loss whose value depends on class counts that may come from each batch: <see cref="ArbLoss"/> and the authors'
    /// variants (<see cref="ArbFocalLoss"/>, <see cref="WeightedArbLoss"/>, <see cref="ArbLabelAwareSmoothingLoss"/>).
    /// <see cref="MixupLoss"/> uses it to give both terms of a mixed batch the counts of the un-mixed targets.
    /// </summary>
    public interface IClassCountLoss
    {
        /// <summary>Where the counts come from: each batch's targets, or the training-set counts given at construction.</summary>
        CountSource CountSource { get; }

        /// <summary>Computes the loss with the given counts in place of the module's own for this call.</summary>
        /// <param name="input">Logits [B, C].</param>
        /// <param name="target">Class indices [B], int64.</param>
        /// <param name="classCounts">Counts [C] on the logits' device.</param>
        /// <returns>The loss, reduced as the module's <c>Reduction</c> says.</returns>
        /// <exception cref="System.ArgumentException">An argument has the wrong shape, dtype or device, or a count is invalid.</exception>
        Tensor forward(Tensor input, Tensor target, Tensor classCounts);
    }
}
