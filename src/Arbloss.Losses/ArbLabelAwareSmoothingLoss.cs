using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// ARB-Loss with label-aware smoothing: MiSLAS's label-aware smoothing (Zhong et al., CVPR 2021; the authors' config
    /// keys <c>LAS</c>, <c>smooth_head</c>, <c>smooth_tail</c>) applied to the ARB-adjusted logits <c>z + log n</c>. Per
    /// sample <c>l = (1 - eps_y) (-log p_y) + eps_y * mean_{j : n_j &gt; 0} (-log p_j)</c> with the ARB probability
    /// <c>p = softmax(z + log n)</c>. All smoothing factors 0 give exactly <see cref="ArbLoss"/>.
    /// </summary>
    /// <remarks>
    /// <para>Two sets of counts play a part. The smoothing factor <c>eps_c</c> always comes from the training counts
    /// given at construction, as in <see cref="LabelAwareSmoothingLoss"/>: <see cref="SmoothHead"/> at the largest class,
    /// <see cref="SmoothTail"/> at the smallest non-empty one, along <see cref="Shape"/>; an empty class gets the tail
    /// factor, and equal counts give every class the head factor. The ARB counts <c>n</c> are the batch's counts
    /// (<see cref="CountSource.Batch"/>) or the same training counts (<see cref="CountSource.Global"/>).</para>
    /// <para>The uniform part of the smoothed target is spread over the classes with a positive ARB count (with batch
    /// counts: the classes present in the batch): the others have probability 0 under the ARB softmax and would make the
    /// loss infinite. With ARB counts that are all positive this is exactly MiSLAS's loss on <c>z + log n</c>. Classes
    /// with <c>n_j = 0</c> get exactly zero gradient. Exact log-softmax, no clamp; float16/bfloat16 logits are computed
    /// in float32. The smoothing factors (and global log counts) are registered buffers.</para>
    /// <para>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample) and an
    /// ignore index. Batch counts count the non-ignored positions of the call. Ignored positions give no loss, exactly
    /// zero gradient and no count; Mean is over the non-ignored positions; all positions ignored gives 0 with zero
    /// gradient. Not supported: <c>labelSmoothing</c> (the loss smooths each target by its class's factor; for one uniform
    /// factor set <see cref="SmoothHead"/> and <see cref="SmoothTail"/> equal) and a class <c>weight</c> (MiSLAS's loss
    /// has none; <see cref="ArbLoss"/> takes a weight and uniform smoothing).</para>
    /// </remarks>
    public sealed class ArbLabelAwareSmoothingLoss : Loss<Tensor, Tensor, Tensor>, IClassCountLoss
    {
        // Registered buffers (field names == buffer names), float64: eps per class, and log n (global counts only).
        private Tensor smoothing;
        private Tensor? log_class_counts;
        private readonly long[] _trainingCounts;
        private readonly double[] _smoothing;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="trainingCounts">Samples of each class in the training set; length = number of classes. They set
        /// the smoothing factors and, with <see cref="CountSource.Global"/>, the ARB counts.</param>
        /// <param name="countSource">Where the ARB counts come from: the batch's targets (<see cref="CountSource.Batch"/>,
        /// the authors' default) or <paramref name="trainingCounts"/> (<see cref="CountSource.Global"/>).</param>
        /// <param name="smoothHead">Smoothing of the largest class, in [0, 1) (default 0.4, MiSLAS's <c>smooth_head</c>).</param>
        /// <param name="smoothTail">Smoothing of the smallest class, in [0, 1) (default 0.1, MiSLAS's <c>smooth_tail</c>).</param>
        /// <param name="shape">Concave (default, as MiSLAS), linear, convex or exponential.</param>
        /// <param name="power">Exponent of the exponential shape, finite and &gt; 0 (default 2); ignored otherwise.</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives one loss per sample.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: uniform label smoothing is not supported (see remarks).</param>
        /// <param name="weight">Must be null: a class weight is not supported (see remarks).</param>
        /// <exception cref="ArgumentNullException"><paramref name="trainingCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero; <paramref name="labelSmoothing"/>
        /// is not 0 or a <paramref name="weight"/> is given.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="countSource"/> is not a defined value; a smoothing
        /// factor is outside [0, 1); or <paramref name="power"/> or <paramref name="shape"/> is out of range.</exception>
        public ArbLabelAwareSmoothingLoss(long[] trainingCounts, CountSource countSource, double smoothHead = 0.4, double smoothTail = 0.1,
            SmoothingShape shape = SmoothingShape.Concave, double power = 2.0, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(trainingCounts, nameof(trainingCounts));
            Functional.RejectLabelAwareOptions(weight, labelSmoothing);
            IgnoreIndex = ignoreIndex;
            if (countSource != CountSource.Batch && countSource != CountSource.Global)
                throw new ArgumentOutOfRangeException(nameof(countSource), countSource, "The count source must be Batch or Global.");
            Functional.CheckArbSmoothing(smoothHead, smoothTail, shape, power);
            _trainingCounts = (long[])trainingCounts.Clone();
            CountSource = countSource;
            SmoothHead = smoothHead;
            SmoothTail = smoothTail;
            Shape = shape;
            Power = power;
            smoothing = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.LabelAwareSmoothingFactors(counts, smoothHead, smoothTail, shape, power));
            _smoothing = smoothing.data<double>().ToArray();
            if (countSource == CountSource.Global) log_class_counts = ArbVariantHelpers.LogCountsBuffer(host);
            RegisterComponents();
        }

        /// <summary>Target value of positions that give no loss, no gradient and no count.</summary>
        public long IgnoreIndex { get; }

        /// <summary>Where the ARB counts come from.</summary>
        public CountSource CountSource { get; }

        /// <summary>Smoothing factor of the largest class.</summary>
        public double SmoothHead { get; }

        /// <summary>Smoothing factor of the smallest class.</summary>
        public double SmoothTail { get; }

        /// <summary>How the factor moves from tail to head.</summary>
        public SmoothingShape Shape { get; }

        /// <summary>Exponent of the exponential shape.</summary>
        public double Power { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _trainingCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> TrainingCounts => _trainingCounts;

        /// <summary>The per-class smoothing factors <c>eps_c</c>.</summary>
        public IReadOnlyList<double> Smoothing => _smoothing;

        /// <summary>
        /// Whether each call checks that targets lie in [0, C) and (global or explicit counts) that every target's class
        /// has a positive ARB count. Costs one device synchronisation per call on a GPU; default true. With batch counts
        /// and CPU targets the range check is part of counting the classes on the host, so it always runs.
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
        /// with global counts, a target whose training count is 0 (named <c>trainingCounts</c>), or the loss was not moved
        /// to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (DensePositions.Needed(input, IgnoreIndex, false) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target, null);
            try
            {
                ArbVariantHelpers.CheckCall(input, target, NumClasses, smoothing);
                if (CountSource == CountSource.Global && ValidateTargets)
                    ArbVariantHelpers.CheckGlobalTargets(target, _trainingCounts, log_class_counts!, "trainingCounts");
                using var scope = NewDisposeScope();
                var x = Functional.ComputeInput(input);
                var logCounts = CountSource == CountSource.Batch
                    ? ArbVariantHelpers.BatchLogCounts(target, NumClasses, x.dtype, ValidateTargets)
                    : log_class_counts!.to_type(x.dtype);
                return Functional.ArbLabelAwareSmoothingCore(x, target, logCounts, smoothing.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return DenseForward(input, target, null);
            }
        }

        /// <summary>
        /// Computes the loss with explicitly supplied ARB counts, overriding the module's count source (for batch counts
        /// all-reduced across processes, accumulated over micro-batches, or taken from un-mixed targets under mixup). The
        /// smoothing factors stay those of the training counts.
        /// </summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk].</param>
        /// <param name="target">int64 targets [N] or [N, d1, ..., dk].</param>
        /// <param name="classCounts">ARB counts [C] on the logits' device (any real dtype).</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Functional.arb_label_aware_smoothing_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            if (DensePositions.Needed(input, IgnoreIndex, false) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target, classCounts ?? throw new ArgumentNullException(nameof(classCounts)));
            try
            {
                ArbVariantHelpers.CheckCall(input, target, NumClasses, smoothing);
                ArbVariantHelpers.CheckExplicitCounts(input, target, classCounts, ValidateTargets);
            }
            catch (ArgumentException e) when (e is not ArgumentNullException && Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                return DenseForward(input, target, classCounts);
            }
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            var logCounts = Functional.VariantLogCounts(target, NumClasses, classCounts, x.dtype);
            return Functional.ArbLabelAwareSmoothingCore(x, target, logCounts, smoothing.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        private Tensor DenseForward(Tensor input, Tensor target, Tensor? classCounts)
        {
            ArbVariantHelpers.CheckDenseCall(input, target, NumClasses, smoothing, classCounts is null ? log_class_counts : null);
            if (classCounts is not null) ArbVariantHelpers.CheckDenseExplicitCounts(input, classCounts);
            var logCounts = ArbVariantHelpers.DenseLogCounts(NumClasses, classCounts, _trainingCounts, log_class_counts, "trainingCounts", ValidateTargets);
            return Functional.ArbLabelAwareSmoothingDense(input, target, logCounts, smoothing, IgnoreIndex, reduction);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                smoothing.Dispose();
                log_class_counts?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
