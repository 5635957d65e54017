using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// ARB-Loss with what <c>cross_entropy</c> accepts beyond [B, C] logits: dense logits [N, C, d1, ..., dk] with targets
    /// [N, d1, ..., dk] (every position a sample), an ignore index, label smoothing and class weights. The loss is
    /// <c>cross_entropy</c> applied to the count-adjusted logits <c>z + log n</c>, with its weighting and reductions.
    /// </summary>
    /// <remarks>
    /// <para>Batch counts count the non-ignored target positions of the call. A class with count 0 (absent from the batch)
    /// has adjusted logit -inf: it gets probability 0 and exactly zero gradient, and is left out of the smoothing
    /// distribution, which is uniform over the classes with a positive count (over all C classes when every class has
    /// one, i.e. exactly <c>cross_entropy</c>'s label smoothing; <c>cross_entropy</c> itself would give an infinite loss).</para>
    /// <para>Ignored positions contribute no loss and exactly zero gradient, and are not in the mean. Mean is the sum of
    /// the per-position losses over the sum of the targets' class weights (the number of non-ignored positions without
    /// weights), as <c>cross_entropy</c>; 0 with zero gradient when nothing is left.</para>
    /// </remarks>
    internal static class ArbDense
    {
        // Scalars made once: TorchSharp's Scalars are freed by the finalizer only, and one per call pins holes in
        // glibc's heap next to each step's large buffers (see Functional.Constants).
        private static readonly Scalar Zero = 0.ToScalar();
        private static readonly Scalar One = 1.ToScalar();

        /// <summary>The dense / option-rich ARB loss.</summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], floating point (half precision computed in float32).</param>
        /// <param name="target">int64 targets [N] or [N, d1, ..., dk]: classes in [0, C) or <paramref name="ignoreIndex"/>.</param>
        /// <param name="counts">Class counts [C] (global or explicit, any real dtype) on the logits' device, or null for batch counts.</param>
        /// <param name="weight">Optional per-class weights [C] on the logits' device.</param>
        /// <param name="ignoreIndex">Target value of positions to leave out.</param>
        /// <param name="labelSmoothing">Smoothing in [0, 1].</param>
        /// <param name="reduction">None gives [N, d1, ..., dk] (0 at ignored positions).</param>
        /// <param name="validate">Check the targets' values (one device synchronisation on an accelerator).</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentException">Shapes, dtypes or devices disagree; a target is neither in [0, C) nor the
        /// ignore index; a non-ignored target's count is 0; a weight or the smoothing is invalid.</exception>
        public static Tensor Loss(Tensor input, Tensor target, Tensor? counts, Tensor? weight, long ignoreIndex, double labelSmoothing,
            nn.Reduction reduction, bool validate)
        {
            Check(input, target, counts, weight, labelSmoothing);
            long classes = input.size(1);
            using var scope = NewDisposeScope();
            using var ignore = ignoreIndex.ToScalar();
            var valid = target.ne(ignore);
            var safeTarget = target.masked_fill(valid.logical_not(), Zero);
            var dtype = Functional.ComputeType(input.dtype);
            // CPU targets: one managed pass validates them and counts the classes (no kernels, no bincount).
            long[]? hostCounts = null;
            long validPositions = -1;
            if (target.device_type == DeviceType.CPU && (validate || counts is null))
                hostCounts = HostPass(target, classes, ignoreIndex, validate ? counts : null, out validPositions);
            else if (validate) CheckValues(target, valid, classes, ignoreIndex);
            bool fused = labelSmoothing == 0 && UseFused(input);
            // Every position ignored: cross_entropy's mean would be 0 / 0, and batch counts leave no class at all. The
            // fused path with global counts needs no read-back: its masking gives exactly 0 with zero gradient.
            if ((counts is null || !fused) && (hostCounts is not null ? validPositions == 0 : !valid.any().item<bool>()))
            {
                // Nothing left: 0 (Mean, Sum) or zeros (None), still connected to the logits, with zero gradient: a where()
                // on the all-false mask, whose backward is exactly 0 whatever the upstream gradient holds (0 * NaN is not).
                var first = Functional.ComputeInput(input).select(1, 0);
                var zero = where(valid, first, zeros_like(first));
                return (reduction == nn.Reduction.None ? zero : zero.sum()).MoveToOuterDisposeScope();
            }
            var n = counts is not null ? counts.to_type(dtype)
                : hostCounts is not null ? tensor(hostCounts).to_type(dtype)
                : safeTarget.masked_select(valid).bincount(null, classes).to_type(dtype);
            if (validate && counts is not null && hostCounts is null) CheckTargetCounts(safeTarget, valid, n);
            // Broadcast log n over the class dimension: [1, C, 1, ..., 1].
            var shape = new long[input.dim()];
            Array.Fill(shape, 1L);
            shape[1] = classes;
            var logN = n.log().view(shape);
            if (fused)
            {
                var positionWeight = weight is null ? valid.to_type(dtype) : weight.to_type(dtype).index_select(0, safeTarget.reshape(-1)).view_as(target).mul_(valid);
                var loss = FusedDenseArbLoss.Apply(input, safeTarget.unsqueeze(1), logN, positionWeight.unsqueeze(1), valid.unsqueeze(1), reduction);
                return loss.MoveToOuterDisposeScope();
            }
            var x = Functional.ComputeInput(input);
            var z = x.add(logN, Functional.Constants.One);
            var present = n.gt(Zero);
            bool allPresent = labelSmoothing == 0 || present.all().item<bool>();
            if (labelSmoothing == 0 || allPresent)
            {
                // Exactly cross_entropy on the adjusted logits (absent classes are -inf and drop out).
                var ce = nn.functional.cross_entropy(z, target, weight is null ? null : weight.to_type(x.dtype), ignore_index: ignoreIndex,
                    reduction: reduction, label_smoothing: labelSmoothing);
                return ce.MoveToOuterDisposeScope();
            }
            // Smoothing with absent classes: uniform over the present classes only.
            var lsm = z.log_softmax(1);
            var w = weight is null ? ones(classes, x.dtype, x.device) : weight.to_type(x.dtype);
            var wy = w.index_select(0, safeTarget.reshape(-1)).view_as(target).mul(valid);
            var nll = lsm.gather(1, safeTarget.unsqueeze(1)).squeeze(1).neg().masked_fill(valid.logical_not(), Zero);
            var presentView = present.view(shape);
            var smooth = lsm.masked_fill(presentView.logical_not(), Zero).mul(w.mul(present).view(shape)).sum(1).neg()
                .div(present.sum().to_type(x.dtype)).masked_fill(valid.logical_not(), Zero);
            using var keep = (1 - labelSmoothing).ToScalar();
            using var spread = labelSmoothing.ToScalar();
            var perPosition = nll.mul(wy).mul(keep).add(smooth.mul(spread), One);
            var weightSum = wy.sum();
            weightSum.masked_fill_(weightSum.le(Zero), One);   // nothing left: 0 / 1
            Tensor result = reduction switch
            {
                nn.Reduction.None => perPosition,
                nn.Reduction.Sum => perPosition.sum(),
                _ => perPosition.sum().div(weightSum),
            };
            return result.MoveToOuterDisposeScope();
        }

        /// <summary>Whether the call takes the one-buffer forward and backward (<see cref="FusedDenseArbLoss"/>): a backward
        /// can follow and the problem is large enough that the custom node's fixed cost (tens of microseconds) does not
        /// matter (<see cref="Functional.FusedMinElements"/>).</summary>
        internal static bool UseFused(Tensor input) =>
            ForcePath switch
            {
                Functional.CorePath.Fused => true,
                Functional.CorePath.Composed => false,
                _ => input.requires_grad && is_grad_enabled() && input.numel() >= Functional.FusedMinElements,
            };

        /// <summary>Tests force the fused or the composed dense path on this thread; Auto (default) chooses by size.</summary>
        [ThreadStatic] internal static Functional.CorePath ForcePath;

        private static void Check(Tensor input, Tensor target, Tensor? counts, Tensor? weight, double labelSmoothing)
        {
            // Shapes, dtypes and devices as every dense loss checks them.
            DensePositions.CheckShapes(input, target, null);
            long classes = input.size(1);
            if (counts is not null && (counts.dim() != 1 || counts.size(0) != classes || !LossChecks.SameDevice(counts, input)))
                throw new ArgumentException($"Class counts must be a vector of {classes} on {input.device}; got [{string.Join(", ", counts.shape)}] on {counts.device}.", "classCounts");
            if (weight is not null && (weight.dim() != 1 || weight.size(0) != classes || !LossChecks.SameDevice(weight, input) || !weight.is_floating_point()))
                throw new ArgumentException($"The class weight must be a floating-point vector of {classes} (one per class) on {input.device}; got {weight.dtype} [{string.Join(", ", weight.shape)}] on {weight.device}.", nameof(weight));
            DensePositions.CheckLabelSmoothing(labelSmoothing);
        }

        /// <summary>One pass over CPU targets: each must lie in [0, C) or be the ignore index, and with
        /// <paramref name="counts"/> a non-ignored target's class must have a positive count.</summary>
        /// <returns>The per-class counts of the non-ignored positions.</returns>
        private static long[] HostPass(Tensor target, long classes, long ignoreIndex, Tensor? counts, out long validPositions)
        {
            double[]? given = null;
            if (counts is not null)
            {
                using var host = counts.to(DeviceType.CPU).to_type(ScalarType.Float64);
                given = host.data<double>().ToArray();
            }
            var result = new long[classes];
            long ignored = 0;
            using var contiguous = target.is_contiguous() ? null : target.contiguous();
            var source = contiguous ?? target;
            var t = source.numel() == 0 ? ReadOnlySpan<long>.Empty : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(source.bytes);
            for (int i = 0; i < t.Length; i++)
            {
                long v = t[i];
                if (v == ignoreIndex) ignored++;   // first: the ignore index may be a class index
                else if ((ulong)v < (ulong)classes)
                {
                    result[v]++;
                    if (given is not null && !(given[v] > 0))
                        throw new ArgumentException($"Class {v} appears in the targets but its count is 0; ARB-Loss needs a positive count for every target class.", "classCounts");
                }
                else throw new ArgumentException($"A target is {v}; targets must lie in [0, {classes}) or be the ignore index {ignoreIndex}.", nameof(target));
            }
            validPositions = t.Length - ignored;
            return result;
        }

        private static void CheckValues(Tensor target, Tensor valid, long classes, long ignoreIndex)
        {
            using var classCount = classes.ToScalar();
            var bad = valid.logical_and(target.lt(Zero).logical_or(target.ge(classCount)));
            if (!bad.any().item<bool>()) return;
            long value = target.masked_select(bad)[0].item<long>();
            throw new ArgumentException($"A target is {value}; targets must lie in [0, {classes}) or be the ignore index {ignoreIndex}.", nameof(target));
        }

        private static void CheckTargetCounts(Tensor safeTarget, Tensor valid, Tensor n)
        {
            var zeroCount = n.index_select(0, safeTarget.reshape(-1)).view_as(safeTarget).le(Zero).logical_and(valid);
            if (!zeroCount.any().item<bool>()) return;
            long cls = safeTarget.masked_select(zeroCount)[0].item<long>();
            throw new ArgumentException($"Class {cls} appears in the targets but its count is 0; ARB-Loss needs a positive count for every target class.", "classCounts");
        }
    }
}
