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
    /// </remarks>
    public sealed class ArbFocalLoss : Loss<Tensor, Tensor, Tensor>, IClassCountLoss
    {
        // Registered buffer (global counts only; field name == buffer name): log n, float64.
        private Tensor? log_class_counts;
        private readonly long[]? _classCounts;

        /// <summary>Focal ARB-Loss with global counts: the training set's per-class counts.</summary>
        /// <param name="classCounts">Number of training samples of each class; length = number of classes. Classes with
        /// count 0 drop out of the softmax; a target of such a class is an error.</param>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2, as the authors).</param>
        /// <param name="reduction">Mean (default, over the samples) or Sum give a scalar; None gives one loss per sample.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative, NaN or infinite.</exception>
        public ArbFocalLoss(long[] classCounts, double gamma = 2.0, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckArbFocalGamma(gamma);
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
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1, or
        /// <paramref name="gamma"/> is negative, NaN or infinite.</exception>
        public ArbFocalLoss(int numClasses, double gamma = 2.0, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            Functional.CheckArbFocalGamma(gamma);
            Gamma = gamma;
            CountSource = CountSource.Batch;
            NumClasses = numClasses;
            RegisterComponents();
        }

        /// <summary>The focusing parameter gamma.</summary>
        public double Gamma { get; }

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
            if (CountSource == CountSource.Global && ValidateTargets)
                ArbVariantHelpers.CheckGlobalTargets(target, _classCounts!, log_class_counts!, "classCounts");
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            var logCounts = CountSource == CountSource.Batch
                ? ArbVariantHelpers.BatchLogCounts(target, NumClasses, x.dtype, ValidateTargets)
                : log_class_counts!.to_type(x.dtype);
            return Functional.ArbFocalCore(x, target, logCounts, Gamma, reduction).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Computes the loss with explicitly supplied counts, overriding the module's count source: for batch counts
        /// all-reduced across processes, accumulated over micro-batches, or taken from un-mixed targets under mixup.
        /// </summary>
        /// <param name="input">Logits [B, C].</param>
        /// <param name="target">int64 targets [B].</param>
        /// <param name="classCounts">Counts [C] on the logits' device (any real dtype).</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Functional.arb_focal_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            ArbVariantHelpers.CheckCall(input, target, NumClasses, null);
            ArbVariantHelpers.CheckExplicitCounts(input, target, classCounts, ValidateTargets);
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            var logCounts = Functional.VariantLogCounts(target, NumClasses, classCounts, x.dtype);
            return Functional.ArbFocalCore(x, target, logCounts, Gamma, reduction).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) log_class_counts?.Dispose();
            base.Dispose(disposing);
        }
    }
}
