using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// A literal port of the authors' ARB-Loss formula, the baseline ArbLoss is measured against:
    /// <c>-log( e^{z_y} / sum_j (n_j / n_y) e^{z_j} )</c> with logits clamped to [-30, 30], the exponentials,
    /// a [B, C] ratio matrix, a division and a log — the mean over the batch.
    /// </summary>
    public static class AuthorsFormula
    {
        public static Tensor Loss(Tensor logits, Tensor target, Tensor? globalCounts)
        {
            var c = logits.shape[1];
            var counts = globalCounts ?? target.bincount(null, c).to_type(logits.dtype);
            var expZ = logits.clamp(-30, 30).exp();
            var ratio = counts.unsqueeze(0) / counts.index_select(0, target).unsqueeze(1);
            var denominator = (expZ * ratio).sum(1);
            var numerator = expZ.gather(1, target.unsqueeze(1)).squeeze(1);
            return -(numerator / denominator).log().mean();
        }
    }
}
