using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Focal ARB-Loss, the authors' <c>ARB_Loss_FL</c> (config key <c>arbloss_fl</c>): the focal loss of Lin et al. on the
    /// ARB probability <c>p_j = n_j e^{z_j} / sum_k n_k e^{z_k} = softmax(z + log n)_j</c>, per sample
    /// <c>l = -(1 - p_y)^gamma log p_y</c>. <c>gamma = 0</c> is exactly <see cref="ArbLoss"/>.
    /// </summary>
    /// <remarks>
    /// <para>Counts come from each batch's targets (<see cref="CountSource.Batch"/>: classes absent from the batch
    /// drop out of the softmax and get exactly zero gradient) or from the training set
    /// (<see cref="CountSource.Global"/>). <c>log p_y</c> is a log-softmax of <c>z + log n</c>: exact, without
    /// the authors' clamp of the logits to [-30, 30]. <c>1 - p_y</c> is computed as <c>-expm1(log p_y)</c>, and the
    /// gradient stays finite for <c>gamma &lt; 1</c> at <c>p_y = 1</c>. Float16/bfloat16 logits are computed in float32.
    /// Global counts are a registered buffer (<c>loss.to(device)</c> moves them).</para>
    /// <para>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample), an
    /// ignore index and per-class weights. Batch counts count the non-ignored positions of the call. Ignored positions
    /// give no loss, exactly zero gradient and no count; Mean divides by the number of non-ignored positions, or with a
    /// weight by the sum of their classes' weights (as <c>cross_entropy</c>: <c>gamma = 0</c> is then exactly
    /// <see cref="ArbLoss"/> with that weight); all positions ignored gives 0 with zero gradient. Label smoothing is not
    /// supported: the focusing factor <c>(1 - p_y)^gamma</c> is defined for one target class, and smoothed targets have
    /// no agreed focal form.</para>
    /// </remarks>
    public sealed class ArbFocalLoss : Loss<Tensor, Tensor, Tensor>, IClassCountLoss
    {
        // Registered buffer (global counts only; field name == buffer name): log n, float64.
        private Tensor? log_class_counts;
        private Tensor? class_weight;
        private readonly long[]? _classCounts;

        /// <summary>Focal ARB-Loss with global counts: the training set's per-class counts.</summary>
        /// <param name="classCounts">Number of training samples of each class; length = number of classes. Classes with
        /// count 0 drop out of the softmax; a target of such a class is an error.</param>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2, as the authors).</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives one loss per sample.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: label smoothing is not supported (see remarks).</param>
        /// <param name="weight">Optional per-class weights [C] (floating point, finite, non-negative); a registered buffer.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero; the weight has the wrong
        /// length, dtype or values; <paramref name="labelSmoothing"/> is not 0.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative, NaN or infinite.</exception>
        public ArbFocalLoss(long[] classCounts, double gamma = 2.0, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckArbFocalGamma(gamma);
            Functional.RejectFocalSmoothing(labelSmoothing);
            class_weight = DensePositions.WeightBuffer(weight, classCounts.Length);
            IgnoreIndex = ignoreIndex;
            _classCounts = (long[])classCounts.Clone();
            Gamma = gamma;
            CountSource = CountSource.Global;
            NumClasses = classCounts.Length;
            log_class_counts = ArbVariantHelpers.LogCountsBuffer(host);
            RegisterComponents();
        }

        /// <summary>Focal ARB-Loss with batch counts (the authors' default): each call counts the classes in its targets.</summary>
        /// <param name="numClasses">Number of classes C (the logits' second dimension).</param>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2, as the authors).</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives one loss per sample.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: label smoothing is not supported (see remarks).</param>
        /// <param name="weight">Optional per-class weights [C] (floating point, finite, non-negative); a registered buffer.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1, or
        /// <paramref name="gamma"/> is negative, NaN or infinite.</exception>
        /// <exception cref="ArgumentException">The weight has the wrong length, dtype or values; <paramref name="labelSmoothing"/>
        /// is not 0.</exception>
        public ArbFocalLoss(int numClasses, double gamma = 2.0, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            Functional.CheckArbFocalGamma(gamma);
            Functional.RejectFocalSmoothing(labelSmoothing);
            class_weight = DensePositions.WeightBuffer(weight, numClasses);
            IgnoreIndex = ignoreIndex;
            Gamma = gamma;
            CountSource = CountSource.Batch;
            NumClasses = numClasses;
            RegisterComponents();
        }

        /// <summary>The focusing parameter gamma.</summary>
        public double Gamma { get; }

        /// <summary>Target value of positions that give no loss, no gradient and no count.</summary>
        public long IgnoreIndex { get; }

        /// <summary>The per-class weights (a registered buffer, on the module's device), or null.</summary>
        public Tensor? Weight => class_weight;

        /// <summary>Where the class counts come from.</summary>
        public CountSource CountSource { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The global class counts given at construction; null in batch mode.</summary>
        public IReadOnlyList<long>? ClassCounts => _classCounts;

        /// <summary>
        /// Whether each call checks that targets lie in [0, C) and (global or explicit counts) that every target's class
        /// has a positive count. Costs one device synchronisation per call on a GPU; default true. With batch counts and
        /// CPU targets the range check is part of counting the classes on the host, so it always runs.
        /// </summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits against int64 targets.</summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64 (half precision
        /// is computed in float32).</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, on the logits' device: in [0, C) or the ignore index.</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None, 0 at ignored positions). An empty batch gives 0
        /// (Mean, Sum) or an empty tensor.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device, batch or class size (targets must have the
        /// logits' shape without dimension 1); a target outside [0, C) that is not the ignore index; with global counts, a
        /// target whose class count is 0 (named <c>classCounts</c>), or the loss was not moved to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (DensePositions.Needed(input, IgnoreIndex, class_weight is not null) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target, null);
            try
            {
                ArbVariantHelpers.CheckCall(input, target, NumClasses, log_class_counts);
                if (CountSource == CountSource.Global && ValidateTargets)
                    ArbVariantHelpers.CheckGlobalTargets(target, _classCounts!, log_class_counts!, "classCounts");
                using var scope = NewDisposeScope();
                var x = Functional.ComputeInput(input);
                var logCounts = CountSource == CountSource.Batch
                    ? ArbVariantHelpers.BatchLogCounts(target, NumClasses, x.dtype, ValidateTargets)
                    : log_class_counts!.to_type(x.dtype);
                return Functional.ArbFocalCore(x, target, logCounts, Gamma, reduction).MoveToOuterDisposeScope();
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return DenseForward(input, target, null);
            }
        }

        /// <summary>
        /// Computes the loss with explicitly supplied counts, overriding the module's count source: for batch counts
        /// all-reduced across processes, accumulated over micro-batches, or taken from un-mixed targets under mixup.
        /// </summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk].</param>
        /// <param name="target">int64 targets [N] or [N, d1, ..., dk].</param>
        /// <param name="classCounts">Counts [C] on the logits' device (any real dtype).</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Functional.arb_focal_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            if (DensePositions.Needed(input, IgnoreIndex, class_weight is not null) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target, classCounts ?? throw new ArgumentNullException(nameof(classCounts)));
            try
            {
                ArbVariantHelpers.CheckCall(input, target, NumClasses, null);
                ArbVariantHelpers.CheckExplicitCounts(input, target, classCounts, ValidateTargets);
            }
            catch (ArgumentException e) when (e is not ArgumentNullException && Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                return DenseForward(input, target, classCounts);
            }
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            var logCounts = Functional.VariantLogCounts(target, NumClasses, classCounts, x.dtype);
            return Functional.ArbFocalCore(x, target, logCounts, Gamma, reduction).MoveToOuterDisposeScope();
        }

        private Tensor DenseForward(Tensor input, Tensor target, Tensor? classCounts)
        {
            ArbVariantHelpers.CheckDenseCall(input, target, NumClasses, classCounts is null ? log_class_counts : null, class_weight);
            if (classCounts is not null) ArbVariantHelpers.CheckDenseExplicitCounts(input, classCounts);
            var logCounts = ArbVariantHelpers.DenseLogCounts(NumClasses, classCounts, _classCounts, log_class_counts, "classCounts", ValidateTargets);
            return Functional.ArbFocalDense(input, target, logCounts, Gamma, class_weight, IgnoreIndex, reduction);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                log_class_counts?.Dispose();
                class_weight?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
