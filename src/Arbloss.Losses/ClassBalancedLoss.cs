using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Class-balanced loss (Cui et al., "Class-Balanced Loss Based on Effective Number of Samples", CVPR 2019): each
    /// sample's softmax cross-entropy or focal loss weighted by <c>(1 - beta) / (1 - beta^n_y)</c>, the inverse
    /// effective number of its class, normalised to mean 1 over the non-empty classes.
    /// </summary>
    /// <remarks>
    /// <para>Mean divides by the batch size by default, as Cui et al.'s code (<see cref="Losses.WeightedMean.SampleMean"/>:
    /// <c>sum_i w_{y_i} l_i / B</c>); <see cref="Losses.WeightedMean.WeightSum"/> divides by <c>sum_i w_{y_i}</c> instead, as
    /// TorchSharp's <c>cross_entropy(weight: w)</c> (the two differ by the batch's mean weight). <c>beta = 0</c> or equal
    /// counts give the unweighted base loss (plain cross-entropy for <see cref="ClassBalancedBase.Softmax"/>) under both;
    /// beta towards 1 approaches inverse-frequency weighting.</para>
    /// <para>A class with count 0 gets weight 0: samples of it contribute zero loss and zero gradient. The weights are a
    /// registered buffer.</para>
    /// </remarks>
    public sealed class ClassBalancedLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name), float64.
        private Tensor class_weights;
        private readonly long[] _classCounts;
        private readonly double[] _weights;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="classCounts">Samples of each class in the training set; length = number of classes.</param>
        /// <param name="beta">Effective-number beta in [0, 1) (default 0.9999).</param>
        /// <param name="baseLoss">Softmax cross-entropy (default) or focal loss.</param>
        /// <param name="gamma">Focusing parameter of the focal base loss, finite and &gt;= 0 (default 2); ignored for Softmax.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample.</param>
        /// <param name="weightedMean">What Mean divides by: the batch size (<see cref="Losses.WeightedMean.SampleMean"/>,
        /// default, Cui et al.) or the sum of the batch's weights (<see cref="Losses.WeightedMean.WeightSum"/>, TorchSharp's
        /// weighted cross-entropy; 0 when that sum is 0). Ignored for Sum and None.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/>, <paramref name="gamma"/>, <paramref name="baseLoss"/>
        /// or <paramref name="weightedMean"/> is out of range.</exception>
        public ClassBalancedLoss(long[] classCounts, double beta = 0.9999, ClassBalancedBase baseLoss = ClassBalancedBase.Softmax,
            double gamma = 2.0, nn.Reduction reduction = nn.Reduction.Mean, WeightedMean weightedMean = WeightedMean.SampleMean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckClassBalanced(beta, baseLoss, gamma, weightedMean);
            _classCounts = (long[])classCounts.Clone();
            Beta = beta;
            BaseLoss = baseLoss;
            Gamma = gamma;
            WeightedMean = weightedMean;
            class_weights = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.EffectiveNumberWeights(counts, beta));
            _weights = class_weights.data<double>().ToArray();
            RegisterComponents();
        }

        /// <summary>The effective-number beta.</summary>
        public double Beta { get; }

        /// <summary>The re-weighted base loss.</summary>
        public ClassBalancedBase BaseLoss { get; }

        /// <summary>The focal gamma (used only with <see cref="ClassBalancedBase.Focal"/>).</summary>
        public double Gamma { get; }

        /// <summary>What the Mean reduction divides by: the batch size (<see cref="Losses.WeightedMean.SampleMean"/>, Cui et al.)
        /// or the sum of the batch's weights (<see cref="Losses.WeightedMean.WeightSum"/>, as <c>cross_entropy(weight: w)</c>).</summary>
        public WeightedMean WeightedMean { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _classCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> ClassCounts => _classCounts;

        /// <summary>The per-class weights.</summary>
        public IReadOnlyList<double> ClassWeights => _weights;

        /// <summary>Whether each call checks that targets lie in [0, C) (one device synchronisation on accelerators); default true.</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B].</summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64 (half precision is computed in float32).</param>
        /// <param name="target">Class indices [B], int64, on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None). An empty batch gives 0 (Mean, Sum) or an empty vector.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); or the loss
        /// was not moved to the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            ComparisonLossHelpers.CheckCall(input, target, NumClasses, class_weights);
            if (ValidateTargets) LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            return Functional.ClassBalancedCore(x, target, class_weights.to_type(x.dtype), BaseLoss, Gamma, reduction, WeightedMean).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) class_weights.Dispose();
            base.Dispose(disposing);
        }
    }
}
