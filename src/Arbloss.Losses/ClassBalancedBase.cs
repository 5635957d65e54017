namespace Arbloss.Losses
{
    /// <summary>The per-sample loss that <see cref="ClassBalancedLoss"/> re-weights.</summary>
    public enum ClassBalancedBase
    {
        /// <summary>Softmax cross-entropy (Cui et al.'s "CB softmax").</summary>
        Softmax = 0,

        /// <summary>Multi-class (softmax) focal loss <c>-(1 - p_y)^gamma log p_y</c>, as <see cref="FocalLoss"/>.</summary>
        Focal = 1,
    }
}
