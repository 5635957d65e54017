using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Functional forms of the package's losses, in TorchSharp's <c>torch.nn.functional</c> style
    /// (<c>using static Arbloss.Losses.Functional;</c>).
    /// </summary>
    public static partial class Functional
    {
        /// <summary>
        /// ARB-Loss: <c>L(z, y) = logsumexp_j (z_j + log n_j) - (z_y + log n_y)</c>, i.e. cross-entropy of the
        /// logits shifted by the log class counts, computed in log-sum-exp form (exact, no clamp).
        /// </summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64. Half-precision logits are
        /// computed in float32; the loss is then float32 and the gradient comes back in the input's dtype (also
        /// second-order gradients with create_graph).</param>
        /// <param name="target">Class indices [B], int64, in [0, C), on the logits' device.</param>
        /// <param name="classCounts">Per-class counts [C] on the logits' device (any real dtype), for example
        /// training-set counts, or batch counts all-reduced across processes or accumulated over several
        /// micro-batches. When null, the counts of <paramref name="target"/> itself are used (the authors' default):
        /// classes absent from the batch get exactly zero gradient. Classes with count 0 drop out of the
        /// denominator; a target whose class has count 0 is an error.</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives [B]. For an empty batch Mean and Sum
        /// give 0 (not NaN) and None gives an empty vector; the gradient is then zero.</param>
        /// <param name="validate">Check targets and counts (one device synchronisation). Pass false on hot paths
        /// whose inputs are known to be valid: valid input gives exactly the same result. Invalid values are then not
        /// reported as <see cref="ArgumentException"/>: on the CPU a target outside [0, C) fails inside libtorch with
        /// TorchSharp's exception, a target whose count is 0 gives an infinite loss, and negative or non-finite counts
        /// give NaN or infinite values.</param>
        /// <param name="weight">Optional per-class weights [C] on the logits' device, as <c>cross_entropy</c>'s (Mean divides
        /// by the sum of the targets' weights).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (TorchSharp's
        /// default -100; segmentation data often use 255).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1], as <c>cross_entropy</c>'s, on the count-adjusted logits; the
        /// smoothing is spread over the classes with a positive count (all classes when every count is positive).</param>
        /// <returns>The loss, a scalar, [B] or [N, d1, ..., dk] (None).</returns>
        /// <remarks>Accepts what <c>cross_entropy</c> accepts: logits [B, C] with targets [B], or dense logits
        /// [N, C, d1, ..., dk] with targets [N, d1, ..., dk] (every position a sample; batch counts count the
        /// non-ignored positions of the call). Ignored positions get exactly zero gradient and are not in the mean; when
        /// every position is ignored the loss is 0 with zero gradient.</remarks>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative, NaN or infinite counts;
        /// a target whose count is 0; a weight of the wrong length, dtype or device.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public static Tensor arb_loss(Tensor input, Tensor target, Tensor? classCounts = null,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (target is null) throw new ArgumentNullException(nameof(target));
            if (NeedsDense(input, weight, labelSmoothing, ignoreIndex))
                return Dense(input, target, classCounts, weight, ignoreIndex, labelSmoothing, reduction, validate);
            try
            {
                return ArbLossChecked(input, target, classCounts, reduction, validate, CorePath.Auto);
            }
            catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the option path handles them.
                return Dense(input, target, classCounts, weight, ignoreIndex, labelSmoothing, reduction, validate);
            }
        }

        /// <summary>The option path (<see cref="ArbDense"/>) with the count and weight checks of the functional form.</summary>
        internal static Tensor Dense(Tensor input, Tensor target, Tensor? classCounts, Tensor? weight, long ignoreIndex, double labelSmoothing,
            nn.Reduction reduction, bool validate)
        {
            if (classCounts is not null && validate) LossChecks.CountTensorValues(classCounts, nameof(classCounts));
            if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), values: validate);
            return ArbDense.Loss(input, target, classCounts, weight, ignoreIndex, labelSmoothing, reduction, validate);
        }

        /// <summary>Whether a call needs the dense / option path rather than the [B, C] fast paths: dense logits, a weight,
        /// label smoothing, or an ignore index in [0, C). (Other ignore indices in the targets are recognised when the fast
        /// path's target check fails.)</summary>
        internal static bool NeedsDense(Tensor input, Tensor? weight, double labelSmoothing, long ignoreIndex) =>
            input.dim() != 2 || weight is not null || labelSmoothing != 0
            // An ignore index that is a class index: the fast paths would take it for that class.
            || (ignoreIndex >= 0 && ignoreIndex < input.size(1));

        /// <summary>Whether any target equals the ignore index (after a failed target check; not on the hot path).</summary>
        internal static bool HoldsIgnoreIndex(Tensor target, long ignoreIndex)
        {
            if (target is null || target.IsInvalid || target.dtype != ScalarType.Int64 || target.numel() == 0) return false;
            using var ignore = ignoreIndex.ToScalar();
            using var equal = target.eq(ignore);
            using var hit = equal.any();
            return hit.item<bool>();
        }

        /// <summary><see cref="arb_loss"/> with the computation path chosen by the caller (tests force either).</summary>
        internal static Tensor ArbLossChecked(Tensor input, Tensor target, Tensor? classCounts, nn.Reduction reduction, bool validate, CorePath path)
        {
            LossChecks.Logits(input, nameof(input));
            LossChecks.Target(target, input, nameof(target));
            if (classCounts is not null) LossChecks.CountsShape(classCounts, input, nameof(classCounts));
            if (validate) LossChecks.Values(target, input.size(1), classCounts, nameof(target), nameof(classCounts));

            var dtype = ComputeType(input.dtype);
            using var logCounts = classCounts is null
                ? BatchLogCounts(target, input.size(1), dtype)
                : LogOf(classCounts, dtype);
            return ArbLossCore(input, target, logCounts, reduction, path);
        }

        /// <summary>Half-precision logits promoted to float32 (a new tensor), other logits as they are; for use inside a dispose scope.</summary>
        internal static Tensor ComputeInput(Tensor input) => IsHalf(input.dtype) ? input.to_type(ScalarType.Float32) : input;

        /// <summary>The dtype a loss is computed in: float32 for float16 and bfloat16 logits, the logits' own otherwise.</summary>
        internal static ScalarType ComputeType(ScalarType logits) => IsHalf(logits) ? ScalarType.Float32 : logits;

        private static bool IsHalf(ScalarType dtype) => dtype == ScalarType.Float16 || dtype == ScalarType.BFloat16;

        /// <summary>log of a counts tensor in <paramref name="dtype"/> (a new tensor).</summary>
        private static Tensor LogOf(Tensor counts, ScalarType dtype)
        {
            if (counts.dtype == dtype) return counts.log();
            using var converted = counts.to_type(dtype);
            return converted.log_().alias();
        }

        /// <summary>log of the per-class counts of <paramref name="target"/>, -inf for absent classes.</summary>
        internal static Tensor BatchLogCounts(Tensor target, long numClasses, ScalarType dtype)
        {
            // log of an integer tensor yields the default float dtype: one kernel fewer when that is the logits' dtype.
            using var counts = target.bincount(null, numClasses);
            if (torch.get_default_dtype() == dtype) return counts.log();
            using var converted = counts.to_type(dtype);
            return converted.log_().alias();
        }

        /// <summary>
        /// B x C from which the loss uses the hand-written forward and backward (<see cref="FusedArbLoss"/>) on the CPU.
        /// Below it the composition <c>cross_entropy(x + logCounts)</c> is faster: the custom autograd node costs a
        /// fixed managed overhead per call. Measured in all three setups in benchmarks/README.md (FusedPathBenchmarks):
        /// at 2^18 the fused path wins with a head, a fresh leaf and a reused leaf; at 2^16 it loses in all three.
        /// </summary>
        internal const long FusedMinElements = 1L << 18;

        /// <summary>
        /// The loss on already validated inputs: cross-entropy of <c>x + logCounts</c>, by the composition or by
        /// <see cref="FusedArbLoss"/> (<paramref name="path"/>; tests force either). <paramref name="x"/> may be half
        /// precision: <paramref name="logCounts"/> is then float32, the sum <c>x + logCounts</c> is float32 by type
        /// promotion (recorded, so the gradient comes back in the logits' dtype and create_graph sees the logits
        /// themselves), and so is the loss.
        /// </summary>
        internal static Tensor ArbLossCore(Tensor x, Tensor target, Tensor logCounts, nn.Reduction reduction, CorePath path = CorePath.Auto)
        {
            if (x.size(0) == 0)
            {
                if (!IsHalf(x.dtype)) return EmptyBatchLoss(x, reduction);
                using var promoted = x.to_type(ScalarType.Float32);
                return EmptyBatchLoss(promoted, reduction);
            }
            if (path == CorePath.Auto) path = ChoosePath(x);
            if (path == CorePath.Fused)
                return FusedArbLoss.Apply(x, target, logCounts, reduction);
            using var shifted = x.add(logCounts, Constants.One);
            return nn.functional.cross_entropy(shifted, target, reduction: reduction);
        }

        /// <summary>
        /// Scalars the hot paths hand to TorchSharp, created once. TorchSharp turns a .NET number passed where it takes a
        /// <see cref="Scalar"/> (including the implicit <c>alpha = 1</c> of <c>Tensor.add(Tensor)</c>) into a small
        /// native object that only the finalizer frees. Made per call, those sit between the large buffers of a training
        /// step and keep glibc from reusing the buffers' memory: the heap then grows by a buffer per step and every step
        /// writes to fresh pages (the fresh-leaf collapse in benchmarks/README.md). TorchSharp does the same inside
        /// <c>Tensor.add(Scalar)</c> (its alpha), <c>square()</c> (a <c>pow(2)</c>) and the two-bound <c>arange</c> (its
        /// step): pass those explicitly. Values that depend on the arguments are <c>using var s = value.ToScalar();</c>
        /// locals, disposed at the end of the call.
        /// </summary>
        internal static class Constants
        {
            /// <summary>0 (int), e.g. a comparison with zero, a clamp's floor or a masked fill with zero.</summary>
            internal static readonly Scalar Zero = 0.ToScalar();

            /// <summary>1, e.g. the <c>alpha</c> of an addition.</summary>
            internal static readonly Scalar One = 1.ToScalar();

            /// <summary>-1.</summary>
            internal static readonly Scalar MinusOne = (-1).ToScalar();

            /// <summary>NaN (double), e.g. a masked fill for undefined entries.</summary>
            internal static readonly Scalar NaN = double.NaN.ToScalar();

            /// <summary>0.0 (double), e.g. a clamp's floor given as a real number.</summary>
            internal static readonly Scalar ZeroReal = 0.0.ToScalar();

            /// <summary>1.0 (double), e.g. a clamp's ceiling given as a real number.</summary>
            internal static readonly Scalar OneReal = 1.0.ToScalar();

            /// <summary>+infinity (double).</summary>
            internal static readonly Scalar PositiveInfinity = double.PositiveInfinity.ToScalar();

            /// <summary>-infinity (double).</summary>
            internal static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

            /// <summary>pi / 2 (double).</summary>
            internal static readonly Scalar HalfPi = (Math.PI / 2).ToScalar();

            /// <summary>-1/4 (double), LDAM's exponent of the class counts.</summary>
            internal static readonly Scalar MinusQuarter = (-0.25).ToScalar();
        }

        /// <summary>
        /// Fused on the CPU for large B x C, and only when a backward can follow (without gradients the composition
        /// is a plain cross-entropy forward); composed otherwise. Other devices keep the composition: the fused path's
        /// advantage (no exponential and no allocation in the backward) was measured on the CPU only.
        /// </summary>
        internal static CorePath ChoosePath(Tensor x) =>
            x.device_type == DeviceType.CPU && x.requires_grad && torch.is_grad_enabled()
            && x.size(0) * x.size(1) >= FusedMinElements
                ? CorePath.Fused
                : CorePath.Composed;

        /// <summary>How <see cref="ArbLossCore"/> computes the loss.</summary>
        internal enum CorePath
        {
            /// <summary>Fused on the CPU from <see cref="FusedMinElements"/> when gradients are recorded, else composed.</summary>
            Auto,
            /// <summary>Always <c>cross_entropy(x + logCounts)</c>.</summary>
            Composed,
            /// <summary>Always the hand-written forward and backward.</summary>
            Fused,
        }

        /// <summary>The documented result for an empty batch: 0 for Mean and Sum, an empty vector for None, zero gradient.</summary>
        internal static Tensor EmptyBatchLoss(Tensor x, nn.Reduction reduction) =>
            reduction == nn.Reduction.None ? x.sum(1) : x.sum();
    }
}
