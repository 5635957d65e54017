using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Weighted ARB-Loss, the authors' <c>WARB_Loss</c> (config key <c>warbloss</c>): the ARB-Loss of each sample times
    /// the weight <c>w_s = m / n_{y_s}</c> of its class, with <c>m = sum_j n_j / #{j : n_j &gt; 0}</c> the mean count over
    /// the classes with a positive count: <c>l_s = w_s * (logsumexp_j (z_j + log n_j) - (z_y + log n_y))</c>.
    /// </summary>
    /// <remarks>
    /// <para>Which <c>m</c> each entry point uses (one formula, applied to the counts that entry point uses):</para>
    /// <list type="bullet">
    /// <item><description>Batch counts (<see cref="WeightedArbLoss(int, nn.Reduction, long, double, Tensor)"/>): <c>m = B / (classes present
    /// in the batch)</c>, the authors' formula. The weights sum to B over the batch.</description></item>
    /// <item><description>Global counts (<see cref="WeightedArbLoss(long[], nn.Reduction, long, double, Tensor)"/>): <c>m = sum(n) / (classes
    /// with n &gt; 0)</c>. When every class has training samples this is the authors' <c>sum(n) / C</c>; when some class
    /// has none, ours leaves it out of the mean so that the weights average 1 over the training set.</description></item>
    /// <item><description>Explicit counts (<see cref="forward(Tensor, Tensor, Tensor)"/>,
    /// <see cref="Functional.weighted_arb_loss"/>): <c>m = sum(n) / (classes with n &gt; 0)</c> of the given
    /// counts.</description></item>
    /// </list>
    /// <para>The weights are constants (no gradient flows through them). Mean is the plain mean over the B samples of the
    /// weighted losses (the authors' <c>loss.mean()</c>), not a division by the sum of the weights. Equal counts give
    /// weight 1, i.e. exactly <see cref="ArbLoss"/>. Computed in log-sum-exp form (no clamp); float16/bfloat16 logits
    /// are computed in float32. Global log counts and weights are registered buffers.</para>
    /// <para>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample), an
    /// ignore index and label smoothing. Batch counts (and so <c>m</c>, the number of samples B) count the non-ignored
    /// positions of the call. Ignored positions give no loss, exactly zero gradient and no count; Mean is over the
    /// non-ignored positions; all positions ignored gives 0 with zero gradient. Label smoothing smooths the ARB part as
    /// <see cref="ArbLoss"/>'s does (over the classes with a positive count), and each position's smoothed loss is then
    /// weighted by <c>m / n_y</c>. A class weight is not supported: the loss already weights every sample by the inverse
    /// frequency of its class (use <see cref="ArbLoss"/> or <see cref="ArbFocalLoss"/> with <c>weight</c> for your own).</para>
    /// </remarks>
    public sealed class WeightedArbLoss : Loss<Tensor, Tensor, Tensor>, IClassCountLoss
    {
        // Registered buffers (global counts only; field names == buffer names), float64: log n and m / n.
        private Tensor? log_class_counts;
        private Tensor? class_weights;
        private readonly long[]? _classCounts;
        private readonly double[]? _classWeights;

        /// <summary>Weighted ARB-Loss with global counts: the training set's per-class counts.</summary>
        /// <param name="classCounts">Number of training samples of each class; length = number of classes. Classes with
        /// count 0 drop out of the softmax and of <c>m</c>; a target of such a class is an error.</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives the weighted loss of
        /// each sample.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] of the ARB part (see remarks).</param>
        /// <param name="weight">Must be null: a class weight is not supported (see remarks).</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero; a <paramref name="weight"/> is given.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public WeightedArbLoss(long[] classCounts, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            SetOptions(ignoreIndex, labelSmoothing, weight);
            _classCounts = (long[])classCounts.Clone();
            CountSource = CountSource.Global;
            NumClasses = classCounts.Length;
            log_class_counts = ArbVariantHelpers.LogCountsBuffer(host);
            class_weights = ComparisonLossHelpers.PerClassBuffer(host, Functional.WeightedArbClassWeights);
            _classWeights = class_weights.data<double>().ToArray();
            RegisterComponents();
        }

        /// <summary>Weighted ARB-Loss with batch counts (the authors' default): each call counts the classes in its targets.</summary>
        /// <param name="numClasses">Number of classes C (the logits' second dimension).</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives the weighted loss of
        /// each sample.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] of the ARB part (see remarks).</param>
        /// <param name="weight">Must be null: a class weight is not supported (see remarks).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1, or
        /// <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        /// <exception cref="ArgumentException">A <paramref name="weight"/> is given.</exception>
        public WeightedArbLoss(int numClasses, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            SetOptions(ignoreIndex, labelSmoothing, weight);
            CountSource = CountSource.Batch;
            NumClasses = numClasses;
            RegisterComponents();
        }

        private void SetOptions(long ignoreIndex, double labelSmoothing, Tensor? weight)
        {
            Functional.RejectWeightedArbOptions(weight);
            DensePositions.CheckLabelSmoothing(labelSmoothing);
            IgnoreIndex = ignoreIndex;
            LabelSmoothing = labelSmoothing;
        }

        /// <summary>Target value of positions that give no loss, no gradient and no count.</summary>
        public long IgnoreIndex { get; private set; }

        /// <summary>Label smoothing in [0, 1] of the ARB part (0: none).</summary>
        public double LabelSmoothing { get; private set; }

        /// <summary>Where the class counts come from.</summary>
        public CountSource CountSource { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The global class counts given at construction; null in batch mode.</summary>
        public IReadOnlyList<long>? ClassCounts => _classCounts;

        /// <summary>The global per-class weights <c>m / n_c</c> (0 for classes with count 0); null in batch mode.</summary>
        public IReadOnlyList<double>? ClassWeights => _classWeights;

        /// <summary>
        /// Whether each call checks that targets lie in [0, C) and (global or explicit counts) that every target's class
        /// has a positive count. Costs one device synchronisation per call on a GPU; default true. With batch counts and
        /// CPU targets the range check always runs (it is cheap on the host).
        /// </summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits against int64 targets.</summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64 (half precision
        /// is computed in float32).</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, on the logits' device: in [0, C) or the ignore index.</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None, 0 at ignored positions). An empty batch gives 0
        /// (Mean, Sum) or an empty tensor.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device, batch or class size (targets must have the
        /// logits' shape without dimension 1); a target outside [0, C) that is not the ignore index;
        /// with global counts, a target whose class count is 0 (named <c>classCounts</c>), or the loss was not moved to
        /// the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (DensePositions.Needed(input, IgnoreIndex, LabelSmoothing != 0) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target, null);
            try
            {
                return ClassificationForward(input, target);
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return DenseForward(input, target, null);
            }
        }

        private Tensor ClassificationForward(Tensor input, Tensor target)
        {
            ArbVariantHelpers.CheckCall(input, target, NumClasses, log_class_counts);
            if (CountSource == CountSource.Global)
            {
                if (ValidateTargets) ArbVariantHelpers.CheckGlobalTargets(target, _classCounts!, log_class_counts!, "classCounts");
            }
            else if (ValidateTargets || target.device_type == DeviceType.CPU)
            {
                LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
            }
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            if (x.size(0) == 0) return Functional.EmptyBatchLoss(x, reduction).MoveToOuterDisposeScope();
            Tensor logCounts, weights;
            if (CountSource == CountSource.Global)
            {
                logCounts = log_class_counts!.to_type(x.dtype);
                weights = class_weights!.to_type(x.dtype);
            }
            else
            {
                var counts = Functional.VariantCounts64(target, NumClasses, null);
                logCounts = counts.log().to_type(x.dtype);
                weights = Functional.WeightedArbClassWeights(counts).to_type(x.dtype);
            }
            return Functional.WeightedArbCore(x, target, logCounts, weights, reduction).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Computes the loss with explicitly supplied counts, overriding the module's count source (for batch counts
        /// all-reduced across processes, accumulated over micro-batches, or taken from un-mixed targets under mixup):
        /// <c>m = sum(n) / (classes with n &gt; 0)</c> of these counts.
        /// </summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk].</param>
        /// <param name="target">int64 targets [N] or [N, d1, ..., dk].</param>
        /// <param name="classCounts">Counts [C] on the logits' device (any real dtype).</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Functional.weighted_arb_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            if (DensePositions.Needed(input, IgnoreIndex, LabelSmoothing != 0) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
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
            if (x.size(0) == 0) return Functional.EmptyBatchLoss(x, reduction).MoveToOuterDisposeScope();
            var counts = Functional.VariantCounts64(target, NumClasses, classCounts);
            return Functional.WeightedArbCore(x, target, counts.log().to_type(x.dtype), Functional.WeightedArbClassWeights(counts).to_type(x.dtype), reduction)
                .MoveToOuterDisposeScope();
        }

        private Tensor DenseForward(Tensor input, Tensor target, Tensor? classCounts)
        {
            ArbVariantHelpers.CheckDenseCall(input, target, NumClasses, classCounts is null ? log_class_counts : null);
            if (classCounts is not null) ArbVariantHelpers.CheckDenseExplicitCounts(input, classCounts);
            bool validate = ValidateTargets;
            Func<Tensor, Tensor> counts64;
            if (classCounts is not null)
                counts64 = y =>
                {
                    if (validate) LossChecks.Values(y, NumClasses, classCounts, nameof(target), nameof(classCounts));
                    return Functional.VariantCounts64(y, NumClasses, classCounts);
                };
            else if (CountSource == CountSource.Batch)
                counts64 = y => Functional.VariantCounts64(y, NumClasses, null);
            else
                counts64 = y =>
                {
                    if (validate) ArbVariantHelpers.CheckGlobalTargets(y, _classCounts!, log_class_counts!, "classCounts");
                    return log_class_counts!.exp();
                };
            return Functional.WeightedArbDense(input, target, counts64, IgnoreIndex, LabelSmoothing, reduction);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                log_class_counts?.Dispose();
                class_weights?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
