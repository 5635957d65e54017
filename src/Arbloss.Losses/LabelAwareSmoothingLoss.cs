using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Label-aware smoothing (Zhong et al., "Improving Calibration for Long-Tailed Recognition" (MiSLAS), CVPR 2021):
    /// label smoothing whose factor <c>eps_y</c> depends on the target's class, from <see cref="SmoothHead"/> at the
    /// largest class to <see cref="SmoothTail"/> at the smallest along a <see cref="SmoothingShape"/>:
    /// <c>l = (1 - eps_y) (-log p_y) + eps_y * mean_j(-log p_j)</c>.
    /// </summary>
    /// <remarks>
    /// <para>Head and tail factors 0 give plain cross-entropy. The largest and smallest counts are taken over the
    /// non-empty classes; a class with count 0 gets the tail factor. When all non-empty classes have the same count,
    /// every one gets the head factor. The factors are a registered buffer.</para>
    /// </remarks>
    public sealed class LabelAwareSmoothingLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name), float64.
        private Tensor smoothing;
        private readonly long[] _classCounts;
        private readonly double[] _smoothing;

        /// <summary>Creates the loss from training-set class counts.</summary>
        /// <param name="classCounts">Samples of each class in the training set; length = number of classes.</param>
        /// <param name="smoothHead">Smoothing of the largest class, in [0, 1] (default 0.4).</param>
        /// <param name="smoothTail">Smoothing of the smallest class, in [0, 1] (default 0.1).</param>
        /// <param name="shape">Concave (default, as MiSLAS), linear, convex or exponential.</param>
        /// <param name="power">Exponent of the exponential shape, finite and &gt; 0 (default 2); ignored otherwise.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A smoothing factor, <paramref name="power"/> or <paramref name="shape"/> is out of range.</exception>
        public LabelAwareSmoothingLoss(long[] classCounts, double smoothHead = 0.4, double smoothTail = 0.1,
            SmoothingShape shape = SmoothingShape.Concave, double power = 2.0, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            var host = ComparisonLossHelpers.Counts(classCounts, nameof(classCounts));
            Functional.CheckSmoothing(smoothHead, smoothTail, shape, power);
            _classCounts = (long[])classCounts.Clone();
            SmoothHead = smoothHead;
            SmoothTail = smoothTail;
            Shape = shape;
            Power = power;
            smoothing = ComparisonLossHelpers.PerClassBuffer(host, counts => Functional.LabelAwareSmoothingFactors(counts, smoothHead, smoothTail, shape, power));
            _smoothing = smoothing.data<double>().ToArray();
            RegisterComponents();
        }

        /// <summary>Smoothing factor of the largest class.</summary>
        public double SmoothHead { get; }

        /// <summary>Smoothing factor of the smallest class.</summary>
        public double SmoothTail { get; }

        /// <summary>How the factor moves from tail to head.</summary>
        public SmoothingShape Shape { get; }

        /// <summary>Exponent of the exponential shape.</summary>
        public double Power { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => _classCounts.Length;

        /// <summary>The training-set class counts given at construction.</summary>
        public IReadOnlyList<long> ClassCounts => _classCounts;

        /// <summary>The per-class smoothing factors <c>eps_c</c>.</summary>
        public IReadOnlyList<double> Smoothing => _smoothing;

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
            ComparisonLossHelpers.CheckCall(input, target, NumClasses, smoothing);
            if (ValidateTargets) LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            return Functional.LabelAwareSmoothingCore(x, target, smoothing.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) smoothing.Dispose();
            base.Dispose(disposing);
        }
    }
}
