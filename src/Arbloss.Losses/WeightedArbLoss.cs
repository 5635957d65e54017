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
    /// <item><description>Batch counts (<see cref="WeightedArbLoss(int, nn.Reduction)"/>): <c>m = B / (classes present
    /// in the batch)</c>, the authors' formula. The weights sum to B over the batch.</description></item>
    /// <item><description>Global counts (<see cref="WeightedArbLoss(long[], nn.Reduction)"/>): <c>m = sum(n) / (classes
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
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        public WeightedArbLoss(long[] classCounts, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
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
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        public WeightedArbLoss(int numClasses, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            CountSource = CountSource.Batch;
            NumClasses = numClasses;
            RegisterComponents();
        }

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

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B].</summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64 (half precision is computed in float32).</param>
        /// <param name="target">Class indices [B], int64, on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None). An empty batch gives 0 (Mean, Sum) or an empty vector.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device, batch or class size; a target outside [0, C);
        /// with global counts, a target whose class count is 0 (named <c>classCounts</c>), or the loss was not moved to
        /// the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
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
        /// <param name="input">Logits [B, C].</param>
        /// <param name="target">int64 targets [B].</param>
        /// <param name="classCounts">Counts [C] on the logits' device (any real dtype).</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Functional.weighted_arb_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            ArbVariantHelpers.CheckCall(input, target, NumClasses, null);
            ArbVariantHelpers.CheckExplicitCounts(input, target, classCounts, ValidateTargets);
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            if (x.size(0) == 0) return Functional.EmptyBatchLoss(x, reduction).MoveToOuterDisposeScope();
            var counts = Functional.VariantCounts64(target, NumClasses, classCounts);
            return Functional.WeightedArbCore(x, target, counts.log().to_type(x.dtype), Functional.WeightedArbClassWeights(counts).to_type(x.dtype), reduction)
                .MoveToOuterDisposeScope();
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
