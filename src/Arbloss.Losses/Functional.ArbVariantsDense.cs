using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    // The dense / ignore-index path of the ARB variants (see DensePositions): each variant's [B, C] core runs on the
    // non-ignored positions, whose targets alone give the batch counts.
    public static partial class Functional
    {
        /// <summary>Label smoothing and a class weight for the ARB variants that support neither, rejected by name.</summary>
        internal static void RejectWeightedArbOptions(Tensor? weight) =>
            DensePositions.RejectWeight(weight, "Weighted ARB-Loss",
                "It already weights every sample by m / n_y, the inverse frequency of its class; for your own class weights use ArbLoss (weight: ...) or ArbFocalLoss (weight: ...).");

        /// <summary>The options <see cref="ArbLabelAwareSmoothingLoss"/> does not take, rejected by name.</summary>
        internal static void RejectLabelAwareOptions(Tensor? weight, double labelSmoothing)
        {
            DensePositions.RejectLabelSmoothing(labelSmoothing, "ARB-Loss with label-aware smoothing",
                "It smooths each target by its class's factor eps_y; for one uniform factor pass smoothHead and smoothTail equal to it (or use ArbLoss with labelSmoothing).");
            DensePositions.RejectWeight(weight, "ARB-Loss with label-aware smoothing",
                "MiSLAS's smoothed loss has no class weights; use ArbLoss (weight: ..., labelSmoothing: ...) for a weighted, uniformly smoothed ARB-Loss.");
        }

        /// <summary>
        /// log n [C] in <paramref name="dtype"/> for the non-ignored targets <paramref name="rowsY"/>: their batch counts,
        /// or the given counts, checked (when <paramref name="validate"/>) to be finite, non-negative and positive at
        /// every target.
        /// </summary>
        internal static Tensor DenseVariantLogCounts(Tensor rowsY, long numClasses, Tensor? classCounts, ScalarType dtype, bool validate)
        {
            if (classCounts is not null && validate) LossChecks.Values(rowsY, numClasses, classCounts, "target", nameof(classCounts));
            return VariantLogCounts(rowsY, numClasses, classCounts, dtype);
        }

        /// <summary>
        /// Focal ARB on the dense / ignore-index path (shapes checked by the caller). <paramref name="logCounts"/> gives
        /// log n from the non-ignored targets and the dtype (and checks them). With a weight, each position's loss is
        /// times <c>w_y</c> and Mean divides by the sum of the <c>w_y</c>, as <c>cross_entropy</c>; else by the number of
        /// non-ignored positions.
        /// </summary>
        internal static Tensor ArbFocalDense(Tensor input, Tensor target, Func<Tensor, ScalarType, Tensor> logCounts, double gamma,
            Tensor? weight, long ignoreIndex, nn.Reduction reduction)
        {
            using var scope = NewDisposeScope();
            var rows = DensePositions.Select(input, target, ignoreIndex);
            var n = logCounts(rows.Y, rows.X.dtype);
            var perRow = ArbFocalCore(rows.X, rows.Y, n, gamma, nn.Reduction.None);
            Tensor? wy = null;
            if (weight is not null)
            {
                wy = weight.detach().to_type(rows.X.dtype).index_select(0, rows.Y);
                perRow = perRow.mul(wy);
            }
            return DensePositions.Reduce(perRow, rows, target.shape, reduction, wy).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Weighted ARB on the dense / ignore-index path (shapes checked by the caller). <paramref name="counts64"/> gives
        /// the float64 counts n [C] from the non-ignored targets (and checks them). Per position
        /// <c>(m / n_y) * ARB</c>, the ARB part smoothed as <see cref="ArbLoss"/>'s label smoothing; Mean over the
        /// non-ignored positions.
        /// </summary>
        internal static Tensor WeightedArbDense(Tensor input, Tensor target, Func<Tensor, Tensor> counts64, long ignoreIndex,
            double labelSmoothing, nn.Reduction reduction)
        {
            using var scope = NewDisposeScope();
            var rows = DensePositions.Select(input, target, ignoreIndex);
            var n = counts64(rows.Y);
            var dtype = rows.X.dtype;
            var perRow = labelSmoothing == 0
                ? ArbLossCore(rows.X, rows.Y, n.log().to_type(dtype), nn.Reduction.None)
                : ArbDense.Loss(rows.X, rows.Y, n, null, ignoreIndex, labelSmoothing, nn.Reduction.None, validate: false);
            var weights = WeightedArbClassWeights(n).to_type(dtype).index_select(0, rows.Y);
            return DensePositions.Reduce(perRow.mul(weights), rows, target.shape, reduction).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// ARB label-aware smoothing on the dense / ignore-index path (shapes checked by the caller); Mean over the
        /// non-ignored positions. <paramref name="smoothing"/> is the float64 per-class factor [C].
        /// </summary>
        internal static Tensor ArbLabelAwareSmoothingDense(Tensor input, Tensor target, Func<Tensor, ScalarType, Tensor> logCounts,
            Tensor smoothing, long ignoreIndex, nn.Reduction reduction)
        {
            using var scope = NewDisposeScope();
            var rows = DensePositions.Select(input, target, ignoreIndex);
            var n = logCounts(rows.Y, rows.X.dtype);
            var perRow = ArbLabelAwareSmoothingCore(rows.X, rows.Y, n, smoothing.detach().to_type(rows.X.dtype), nn.Reduction.None);
            return DensePositions.Reduce(perRow, rows, target.shape, reduction).MoveToOuterDisposeScope();
        }
    }
}
