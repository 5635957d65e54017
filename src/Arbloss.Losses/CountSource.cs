namespace Arbloss.Losses
{
    /// <summary>Where <see cref="ArbLoss"/> takes the class counts <c>n_j</c> that re-weight the softmax denominator.</summary>
    public enum CountSource
    {
        /// <summary>
        /// Counts of each class in the current mini-batch (the authors' default). Classes absent from the batch
        /// drop out of the denominator and receive exactly zero gradient.
        /// </summary>
        Batch = 0,

        /// <summary>
        /// Fixed per-class counts of the training set (the authors' large-scale configs). Equivalent to
        /// Balanced Softmax / logit adjustment with tau = 1.
        /// </summary>
        Global = 1,
    }
}
