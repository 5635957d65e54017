using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Logit-adjusted loss (Menon et al., "Long-tail learning via logit adjustment", ICLR 2021): cross-entropy of
    /// <c>z_j + tau * log pi_j</c>, with <c>pi</c> the training class prior. <c>tau = 0</c> or equal counts give plain
    /// cross-entropy; <c>tau = 1</c> equals Balanced Softmax and ARB-Loss with global counts.
    /// </summary>
    /// <remarks>
    /// <para>A class with count 0 gets adjustment -inf when <c>tau &gt; 0</c>: it drops out of the softmax (no repulsion,
    /// zero gradient) and a target of that class is an error. With <c>tau = 0</c> it is an ordinary class.</para>
    /// <para>Accepts what <c>cross_entropy</c> accepts: logits [N, C] or [N, C, d1, ..., dk] with targets [N] or
    /// [N, d1, ..., dk] (every position a sample), an ignore index, label smoothing and per-class weights, all with
    /// <c>cross_entropy</c>'s meaning on the adjusted logits. Ignored positions give no loss and exactly zero gradient and
    /// are not in the mean; Mean divides by the number of non-ignored positions, or with a weight by the sum of their
    /// classes' weights; when every position is ignored the loss is 0 with zero gradient. With <c>tau &gt; 0</c> a class
    /// of count 0 has probability 0, so the smoothing is spread over the classes with a positive count (all C classes when
    /// every count is positive: exactly <c>cross_entropy</c>'s smoothing); a class whose <c>pi^tau</c> relative to the
    /// largest one underflows the logits' dtype is treated as such a class.</para>
    /// <para>For post-hoc adjustment of a model trained with plain cross-entropy, see
    /// <see cref="Functional.posthoc_logit_adjustment(Tensor, long[], double)"/>. The adjustment is a registered buffer:
    /// <c>loss.to(device)</c> moves it once.</para>
    /// </remarks>
    public sealed class LogitAdjustedLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name): tau * log(pi), float64.
        private Tensor logit_adjustment;
        private Tensor? class_weight;
        private readonly long[] _classCounts;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="classCounts">Samples of each class in the training set; length = number of classes.</param>
        /// <param name="tau">Temperature, finite and &gt;= 0 (default 1).</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample (position).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss and no gradient (default -100, as TorchSharp).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] on the adjusted logits, as <c>cross_entropy</c>'s.</param>
        /// <param name="weight">Optional per-class weights [C] (floating point, finite, non-negative), as <c>cross_entropy</c>'s;
        /// a registered buffer, so <c>loss.to(device)</c> moves it.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero; the weight has the wrong
        /// length, dtype or values.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is negative or not finite, or
        /// <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public LogitAdjustedLoss(long[] classCounts, double tau = 1.0, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckTau(tau);
            DensePositions.CheckLabelSmoothing(labelSmoothing);
            class_weight = DensePositions.WeightBuffer(weight, classCounts.Length);
            IgnoreIndex = ignoreIndex;
            LabelSmoothing = labelSmoothing;
            _classCounts = (long[])classCounts.Clone();
            Tau = tau;
            logit_adjustment = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.LogitAdjustmentTerms(counts, tau));
            RegisterComponents();
        }

        /// <summary>The temperature tau.</summary>
        public double Tau { get; }

        /// <summary>Target value of positions that give no loss and no gradient.</summary>
        public long IgnoreIndex { get; }

        /// <summary>Label smoothing in [0, 1] on the adjusted logits (0: none).</summary>
        public double LabelSmoothing { get; }

        /// <summary>The per-class weights (a registered buffer, on the module's device), or null.</summary>
        public Tensor? Weight => class_weight;

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _classCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> ClassCounts => _classCounts;

        /// <summary>Whether each call checks that targets lie in [0, C) (or are the ignore index) and (tau &gt; 0) that their
        /// classes have a positive count. Costs one device synchronisation per call on accelerators; default true. Switched
        /// off, [B, C] calls look for the ignore index in the targets instead (one synchronisation).</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits against int64 targets.</summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64 (half precision
        /// is computed in float32).</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, on the logits' device: in [0, C) or the ignore index.</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None, 0 at ignored positions). An empty batch gives 0
        /// (Mean, Sum) or an empty tensor.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; with tau &gt; 0, a target whose
        /// class count is 0; or the loss was not moved to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (DensePositions.Needed(input, IgnoreIndex, class_weight is not null || LabelSmoothing != 0)
                || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target);
            try
            {
                return ClassificationForward(input, target);
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return DenseForward(input, target);
            }
        }

        private Tensor ClassificationForward(Tensor input, Tensor target)
        {
            ComparisonLossHelpers.CheckCall(input, target, NumClasses, logit_adjustment);
            if (ValidateTargets)
            {
                if (Tau > 0) LossChecks.TargetsAgainstGlobalCounts(target, _classCounts, logit_adjustment, nameof(target), "classCounts");
                else LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
            }
            // The logits go in as they are (half precision promotes in x + adjustment), so create_graph sees them.
            var dtype = Functional.ComputeType(input.dtype);
            using var cast = logit_adjustment.dtype == dtype ? null : logit_adjustment.to_type(dtype);
            return Functional.ArbLossCore(input, target, cast ?? logit_adjustment, reduction);
        }

        private Tensor DenseForward(Tensor input, Tensor target)
        {
            DensePositions.CheckShapes(input, target, NumClasses);
            if (!LossChecks.SameDevice(logit_adjustment, input))
                throw new ArgumentException($"The loss's per-class constants are on {logit_adjustment.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
            return Functional.LogitAdjustedDense(input, target, logit_adjustment, class_weight, IgnoreIndex, LabelSmoothing, reduction, ValidateTargets);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                logit_adjustment.Dispose();
                class_weight?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
