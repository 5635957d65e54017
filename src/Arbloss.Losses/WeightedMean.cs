namespace Arbloss.Losses
{
    /// <summary>
    /// What the <c>Mean</c> reduction of a class-weighted loss divides the weighted sum <c>sum_i w_{y_i} l_i</c> by.
    /// The two differ by the factor <c>mean_i w_{y_i}</c> of the batch (tens of percent on long-tailed batches);
    /// <c>Sum</c> and <c>None</c> are the same under both.
    /// </summary>
    public enum WeightedMean
    {
        /// <summary>Divide by the batch size B: <c>sum_i w_{y_i} l_i / B</c>, the mean of the weighted per-sample losses,
        /// as Cui et al.'s class-balanced loss code reduces.</summary>
        SampleMean = 0,

        /// <summary>Divide by the batch's weights: <c>sum_i w_{y_i} l_i / sum_i w_{y_i}</c>, the weighted mean, as PyTorch's
        /// and TorchSharp's <c>cross_entropy(weight: w)</c> reduces. A batch whose weights are all 0 gives 0.</summary>
        WeightSum = 1,
    }
}
