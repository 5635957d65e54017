using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// LDAM loss, the label-distribution-aware margin loss of Cao et al. (NeurIPS 2019): cross-entropy of
    /// <c>s * (z - m_y e_y)</c>, with per-class margins <c>m_j proportional to n_j^(-1/4)</c> scaled so the smallest class
    /// gets <see cref="MaxMargin"/>. Pair it with <see cref="DeferredReweighting"/> for LDAM-DRW.
    /// </summary>
    /// <remarks>
    /// <para>Cao et al. apply it to cosine logits (normalised features and classifier rows) with s = 30 and
    /// max margin 0.5, the defaults here. <c>maxMargin = 0</c> and <c>scale = 1</c> give plain cross-entropy.</para>
    /// <para>A class with count 0 is left out of the margin scaling and gets the largest margin; it stays in the
    /// softmax. Optional class weights (<see cref="SetClassWeights"/>) follow PyTorch's weighted cross-entropy: Mean is
    /// <c>sum_i w_{y_i} l_i / sum_i w_{y_i}</c> (0 when that sum is 0). Margins and weights are registered buffers.</para>
    /// </remarks>
    public sealed class LdamLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffers (field name == buffer name), float64.
        private Tensor margins;
        private Tensor class_weights;
        private readonly long[] _classCounts;
        private readonly double[] _margins;
        private double[]? _weights;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="classCounts">Samples of each class in the training set; length = number of classes.</param>
        /// <param name="maxMargin">Margin of the smallest class (the authors' <c>max_m</c>, default 0.5), finite and &gt;= 0.</param>
        /// <param name="scale">Logit scale s (default 30), finite and &gt; 0.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMargin"/> or <paramref name="scale"/> is out of range.</exception>
        public LdamLoss(long[] classCounts, double maxMargin = 0.5, double scale = 30.0, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckLdam(maxMargin, scale);
            _classCounts = (long[])classCounts.Clone();
            MaxMargin = maxMargin;
            Scale = scale;
            margins = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.LdamMargins(counts, maxMargin));
            _margins = margins.data<double>().ToArray();
            class_weights = ones(host.Length, ScalarType.Float64).DetachFromDisposeScope();
            RegisterComponents();
        }

        /// <summary>Margin of the smallest class.</summary>
        public double MaxMargin { get; }

        /// <summary>Logit scale s.</summary>
        public double Scale { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _classCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> ClassCounts => _classCounts;

        /// <summary>The per-class margins <c>m_j</c>.</summary>
        public IReadOnlyList<double> Margins => _margins;

        /// <summary>The current per-class weights, or null when unweighted.</summary>
        public IReadOnlyList<double>? ClassWeights => _weights;

        /// <summary>Whether each call checks that targets lie in [0, C) (one device synchronisation on accelerators); default true.</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>
        /// Sets per-class weights (e.g. <see cref="DeferredReweighting.WeightsAt"/> each epoch), or removes them with
        /// null. The weights are copied into the registered buffer in place, on whatever device the loss is.
        /// </summary>
        /// <param name="weights">One finite, non-negative weight per class, or null for unweighted.</param>
        /// <exception cref="ArgumentException">Wrong length, or a negative or non-finite weight.</exception>
        public void SetClassWeights(IReadOnlyList<double>? weights)
        {
            double[]? host = weights is null ? null : LossChecks.HostWeights(weights, NumClasses, nameof(weights));
            using var scope = NewDisposeScope();
            using (no_grad())
            {
                if (host is null) class_weights.fill_(Functional.Constants.OneReal);
                else class_weights.copy_(tensor(host, ScalarType.Float64));
            }
            _weights = host;
        }

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B].</summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64 (half precision is computed in float32).</param>
        /// <param name="target">Class indices [B], int64, on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None). An empty batch gives 0 (Mean, Sum) or an empty vector.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); or the loss
        /// was not moved to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            ComparisonLossHelpers.CheckCall(input, target, NumClasses, margins);
            if (ValidateTargets) LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            var weight = _weights is null ? null : class_weights.to_type(x.dtype);
            return Functional.LdamCore(x, target, margins.to_type(x.dtype), Scale, weight, reduction).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                margins.Dispose();
                class_weights.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
