using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// The dense / ignore-index path of the comparison losses and the ARB variants. Logits [N, C, d1, ..., dk] and
    /// targets [N, d1, ..., dk] become rows [P, C] and [P] (P = N d1 ... dk positions, each a sample); the rows whose
    /// target is not the ignore index are selected, so ignored positions get exactly zero gradient and take no part in
    /// counts or means; a loss's own [B, C] per-sample core runs on the selected rows; and the result is reduced over them
    /// or (None) scattered back to the targets' shape with 0 at ignored positions.
    /// </summary>
    internal static class DensePositions
    {
        // Scalars made once (TorchSharp frees Scalars in the finalizer only; see Functional.Constants).
        internal static readonly Scalar Zero = 0.ToScalar();
        internal static readonly Scalar One = 1.ToScalar();

        /// <summary>
        /// Whether a call must take this path rather than a loss's [B, C] path: logits other than [B, C], an option
        /// the [B, C] path lacks (<paramref name="options"/>), or an ignore index that is a class index (the [B, C] path
        /// would take it for a class).
        /// </summary>
        internal static bool Needed(Tensor input, long ignoreIndex, bool options)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (input.IsInvalid || input.dim() != 2) return true;
            return options || (ignoreIndex >= 0 && ignoreIndex < input.size(1));
        }

        /// <summary>
        /// With validation switched off the [B, C] path does not check its targets, so a [B, C] call whose CPU targets hold
        /// the ignore index is recognised here instead (no look at accelerator targets: no synchronisation).
        /// </summary>
        internal static bool UncheckedTargetsHoldIgnoreIndex(Tensor target, long ignoreIndex, bool validate) =>
            // Only CPU targets: on an accelerator the look would be a synchronisation per call, which is what switching
            // validation off avoids (the caller then promises targets in [0, C), as for ArbLoss).
            !validate && target is not null && target.device_type == DeviceType.CPU && Functional.HoldsIgnoreIndex(target, ignoreIndex);

        /// <summary>Shapes, dtypes and devices of a dense call: floating-point logits [N, C, d1, ..., dk] (with
        /// <paramref name="numClasses"/> classes when given) and int64 targets [N, d1, ..., dk] on the logits' device.</summary>
        internal static void CheckShapes(Tensor input, Tensor target, long? numClasses)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (target is null) throw new ArgumentNullException(nameof(target));
            if (input.IsInvalid) throw new ArgumentException("The logits tensor has been disposed.", nameof(input));
            if (target.IsInvalid) throw new ArgumentException("The target tensor has been disposed.", nameof(target));
            if (input.dim() < 2)
                throw new ArgumentException($"Logits must have shape [N, C] or [N, C, d1, ..., dk]; got shape [{string.Join(", ", input.shape)}]. Add the class dimension as dimension 1.", nameof(input));
            if (!input.is_floating_point())
                throw new ArgumentException($"Logits must be floating point (float16, bfloat16, float32 or float64); got {input.dtype}. Convert with input.to_type(ScalarType.Float32).", nameof(input));
            if (input.size(1) < 1)
                throw new ArgumentException("Logits must have at least one class (dimension 1).", nameof(input));
            if (numClasses is long c && input.size(1) != c)
                throw new ArgumentException($"The logits have {input.size(1)} classes (dimension 1) but the loss was built for {c}.", nameof(input));
            if (target.dtype != ScalarType.Int64)
                throw new ArgumentException($"Targets must be int64 class indices; got {target.dtype}. Convert with target.to_type(ScalarType.Int64).", nameof(target));
            bool shapeOk = target.dim() == input.dim() - 1 && target.size(0) == input.size(0);
            for (int k = 1; shapeOk && k < target.dim(); k++) shapeOk = target.size(k) == input.size(k + 1);
            if (!shapeOk)
                throw new ArgumentException($"Targets [{string.Join(", ", target.shape)}] must have the logits' shape [{string.Join(", ", input.shape)}] without its class dimension (dimension 1).", nameof(target));
            if (!LossChecks.SameDevice(target, input))
                throw new ArgumentException($"Targets are on {target.device} but logits are on {input.device}; move them with target.to(input.device).", nameof(target));
        }

        /// <summary>
        /// A module's optional per-class weight: null, or a floating-point vector of <paramref name="numClasses"/> finite,
        /// non-negative values, returned as the module's own detached copy (a buffer outside any dispose scope).
        /// </summary>
        internal static Tensor? WeightBuffer(Tensor? weight, int numClasses)
        {
            if (weight is null) return null;
            if (weight.IsInvalid || weight.dim() != 1 || weight.size(0) != numClasses || !weight.is_floating_point())
                throw new ArgumentException($"The class weight must be a floating-point vector of {numClasses} (one per class); got {(weight.IsInvalid ? "a disposed tensor" : $"{weight.dtype} [{string.Join(", ", weight.shape)}]")}.", nameof(weight));
            using (var w64 = weight.to_type(ScalarType.Float64).cpu().contiguous()) LossChecks.HostWeights(w64.data<double>().ToArray(), numClasses, nameof(weight));
            return weight.detach().clone().DetachFromDisposeScope();
        }

        /// <summary>Label smoothing of the losses that support it: in [0, 1].</summary>
        internal static void CheckLabelSmoothing(double labelSmoothing)
        {
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must lie in [0, 1] (0: none).");
        }

        /// <summary>Rejects label smoothing for a loss whose math has no agreed smoothed form.</summary>
        internal static void RejectLabelSmoothing(double labelSmoothing, string loss, string fix)
        {
            if (labelSmoothing != 0)
                throw new ArgumentException($"{loss} does not support label smoothing; got {labelSmoothing}. {fix}", nameof(labelSmoothing));
        }

        /// <summary>Rejects a class weight for a loss that has no place for one.</summary>
        internal static void RejectWeight(Tensor? weight, string loss, string fix)
        {
            if (weight is not null)
                throw new ArgumentException($"{loss} does not support a class weight. {fix}", nameof(weight));
        }

        /// <summary>The non-ignored rows of a dense call, inside the caller's dispose scope.</summary>
        internal readonly struct Rows
        {
            internal Rows(Tensor x, Tensor y, Tensor index, long positions)
            {
                X = x;
                Y = y;
                Index = index;
                Positions = positions;
            }

            /// <summary>Logits of the non-ignored positions [K, C], in the computation dtype.</summary>
            internal Tensor X { get; }

            /// <summary>Their targets [K], each in [0, C).</summary>
            internal Tensor Y { get; }

            /// <summary>Their positions among the P flattened ones [K].</summary>
            internal Tensor Index { get; }

            /// <summary>P, all positions of the call.</summary>
            internal long Positions { get; }

            /// <summary>K, the non-ignored positions.</summary>
            internal long Count => Y.size(0);
        }

        /// <summary>
        /// Selects the non-ignored rows (logits moved to the computation dtype) and checks that their targets lie in
        /// [0, C) (always: the selection synchronises anyway). For use inside a dispose scope.
        /// </summary>
        internal static Rows Select(Tensor input, Tensor target, long ignoreIndex)
        {
            long classes = input.size(1);
            var x = Functional.ComputeInput(input);
            var rowsX = input.dim() == 2 ? x : x.movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, classes);
            var rowsY = target.reshape(-1);
            using var ignore = ignoreIndex.ToScalar();
            using var classCount = classes.ToScalar();
            var index = rowsY.ne(ignore).nonzero().reshape(-1);
            var y = rowsY.index_select(0, index);
            var bad = y.lt(Zero).logical_or(y.ge(classCount));
            if (bad.any().item<bool>())
            {
                long value = y.masked_select(bad)[0].item<long>();
                throw new ArgumentException($"A target is {value}; targets must lie in [0, {classes}) or be the ignore index {ignoreIndex}.", nameof(target));
            }
            return new Rows(rowsX.index_select(0, index), y, index, rowsY.size(0));
        }

        /// <summary>
        /// Reduces the per-row losses <paramref name="perRow"/> [K]: None scatters them back to <paramref name="targetShape"/>
        /// (0 at ignored positions); Sum adds them; Mean divides the sum by K, or with <paramref name="rowWeights"/> by
        /// their sum (as <c>cross_entropy</c> with a weight). Nothing left gives 0, with zero gradient.
        /// </summary>
        internal static Tensor Reduce(Tensor perRow, Rows rows, long[] targetShape, nn.Reduction reduction, Tensor? rowWeights = null)
        {
            switch (reduction)
            {
                case nn.Reduction.None:
                    return zeros(rows.Positions, perRow.dtype, perRow.device).index_copy(0, rows.Index, perRow).view(targetShape);
                case nn.Reduction.Sum:
                    return perRow.sum();
                default:
                    var sum = perRow.sum();
                    if (rowWeights is not null)
                    {
                        var total = rowWeights.sum();
                        return sum.div(where(total.eq(Zero), ones_like(total), total));
                    }
                    if (rows.Count <= 1) return sum;
                    using (var k = ((double)rows.Count).ToScalar()) return sum.div(k);
            }
        }
    }
}
