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
    /// <para>For post-hoc adjustment of a model trained with plain cross-entropy, see
    /// <see cref="Functional.posthoc_logit_adjustment(Tensor, long[], double)"/>. The adjustment is a registered buffer:
    /// <c>loss.to(device)</c> moves it once.</para>
    /// </remarks>
    public sealed class LogitAdjustedLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name): tau * log(pi), float64.
        private Tensor logit_adjustment;
        private readonly long[] _classCounts;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="classCounts">Samples of each class in the training set; length = number of classes.</param>
        /// <param name="tau">Temperature, finite and &gt;= 0 (default 1).</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is negative or not finite.</exception>
        public LogitAdjustedLoss(long[] classCounts, double tau = 1.0, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckTau(tau);
            _classCounts = (long[])classCounts.Clone();
            Tau = tau;
            logit_adjustment = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.LogitAdjustmentTerms(counts, tau));
            RegisterComponents();
        }

        /// <summary>The temperature tau.</summary>
        public double Tau { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _classCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> ClassCounts => _classCounts;

        /// <summary>Whether each call checks that targets lie in [0, C) and (tau &gt; 0) that their classes have a
        /// positive count. Costs one device synchronisation per call on accelerators; default true.</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B].</summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64 (half precision is computed in float32).</param>
        /// <param name="target">Class indices [B], int64, on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None). An empty batch gives 0 (Mean, Sum) or an empty vector.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); with
        /// tau &gt; 0, a target whose class count is 0; or the loss was not moved to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
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

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) logit_adjustment.Dispose();
            base.Dispose(disposing);
        }
    }
}
