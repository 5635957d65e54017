using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>Call checks and count resolution shared by the ARB variant modules (focal, weighted, label-aware smoothing).</summary>
    internal static class ArbVariantHelpers
    {
        /// <summary>Logits [B, C] with the module's C, targets [B], and the module's buffer (if any) on the logits' device.</summary>
        internal static void CheckCall(Tensor input, Tensor target, int numClasses, Tensor? buffer)
        {
            LossChecks.Logits(input, nameof(input));
            if (input.size(1) != numClasses)
                throw new ArgumentException($"The logits have {input.size(1)} classes but the loss was built for {numClasses}.", nameof(input));
            LossChecks.Target(target, input, nameof(target));
            if (buffer is not null && !LossChecks.SameDevice(buffer, input))
                throw new ArgumentException($"The loss's per-class constants are on {buffer.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
        }

        /// <summary>
        /// An explicit ARB count tensor for the <c>forward(input, target, classCounts)</c> overloads: not null, a vector
        /// [C] on the logits' device, and (when <paramref name="validate"/>) finite, non-negative and positive at every
        /// target (with the range of the targets).
        /// </summary>
        internal static void CheckExplicitCounts(Tensor input, Tensor target, Tensor classCounts, bool validate)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            LossChecks.CountsShape(classCounts, input, nameof(classCounts));
            if (validate) LossChecks.Values(target, input.size(1), classCounts, nameof(target), nameof(classCounts));
        }

        /// <summary>
        /// log of the batch counts of <paramref name="target"/> [C] in <paramref name="dtype"/> (-inf for absent
        /// classes). CPU targets are counted on the host, which also checks their range (always); other devices check
        /// the range when <paramref name="validate"/> (one synchronisation). For use inside a dispose scope.
        /// </summary>
        internal static Tensor BatchLogCounts(Tensor target, int numClasses, ScalarType dtype, bool validate)
        {
            if (target.device_type == DeviceType.CPU)
                return LossChecks.HostBatchLogCounts(target, numClasses, dtype, nameof(target));
            if (validate) LossChecks.Values(target, numClasses, null, nameof(target), nameof(target));
            return Functional.BatchLogCounts(target, numClasses, dtype);
        }

        /// <summary>
        /// Checks targets against fixed global counts (range, and a positive count for every target's class), naming
        /// <paramref name="countsName"/> for a target of an empty class.
        /// </summary>
        internal static void CheckGlobalTargets(Tensor target, long[] hostCounts, Tensor logCounts, string countsName) =>
            LossChecks.TargetsAgainstGlobalCounts(target, hostCounts, logCounts, nameof(target), countsName);

        /// <summary>log of validated host counts as a float64 module buffer (-inf for empty classes).</summary>
        internal static Tensor LogCountsBuffer(double[] hostCounts) =>
            ComparisonLossHelpers.PerClassBuffer(hostCounts, counts => counts.log());

        /// <summary>
        /// Shapes of a dense module call (<see cref="DensePositions.CheckShapes"/>) with the module's C, and the module's
        /// buffers (those not null) on the logits' device.
        /// </summary>
        internal static void CheckDenseCall(Tensor input, Tensor target, int numClasses, Tensor? buffer, Tensor? otherBuffer = null)
        {
            DensePositions.CheckShapes(input, target, numClasses);
            foreach (var b in new[] { buffer, otherBuffer })
                if (b is not null && !LossChecks.SameDevice(b, input))
                    throw new ArgumentException($"The loss's per-class constants are on {b.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
        }

        /// <summary>An explicit count tensor of a dense call: not null, a vector [C] on the logits' device (values are
        /// checked against the non-ignored targets).</summary>
        internal static void CheckDenseExplicitCounts(Tensor input, Tensor classCounts)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            LossChecks.CountsShape(classCounts, input, nameof(classCounts));
        }

        /// <summary>
        /// log n for the non-ignored targets of a dense module call, in the requested dtype: of explicit counts (checked
        /// when <paramref name="validate"/>), of the batch, or of the module's global log-count buffer (targets checked
        /// against <paramref name="hostCounts"/> when <paramref name="validate"/>, naming <paramref name="countsName"/>).
        /// </summary>
        internal static Func<Tensor, ScalarType, Tensor> DenseLogCounts(int numClasses, Tensor? explicitCounts, long[]? hostCounts,
            Tensor? logCountsBuffer, string countsName, bool validate)
        {
            if (explicitCounts is not null)
                return (y, dtype) => Functional.DenseVariantLogCounts(y, numClasses, explicitCounts, dtype, validate);
            if (logCountsBuffer is null)
                return (y, dtype) => Functional.BatchLogCounts(y, numClasses, dtype);
            return (y, dtype) =>
            {
                if (validate) CheckGlobalTargets(y, hostCounts!, logCountsBuffer, countsName);
                return logCountsBuffer.to_type(dtype);
            };
        }
    }
}
