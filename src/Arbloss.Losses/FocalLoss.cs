using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Focal loss (Lin et al., ICCV 2017), multi-class softmax form: <c>-w_y (1 - p_y)^gamma log p_y</c>, with optional
    /// per-class weights <c>w</c> (the alpha of Lin et al.). <c>gamma = 0</c> without weights is plain cross-entropy.
    /// </summary>
    /// <remarks>
    /// Mean divides by the batch size (as Lin et al. and the LDAM-DRW code), not by the sum of the targets' weights.
    /// <c>1 - p_y</c> is computed as <c>-expm1(log p_y)</c>, accurate for confident predictions, and the gradient stays
    /// finite for <c>gamma &lt; 1</c> at <c>p_y = 1</c>. Class weights are a registered buffer.
    /// </remarks>
    public sealed class FocalLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name), float64; null when unweighted.
        private Tensor? class_weights;
        private readonly double[]? _weights;

        /// <summary>Creates the loss.</summary>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2).</param>
        /// <param name="classWeights">Optional per-class weights (finite, non-negative); their count fixes the number of classes.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative or not finite.</exception>
        /// <exception cref="ArgumentException">The weights are empty, negative or not finite.</exception>
        public FocalLoss(double gamma = 2.0, IReadOnlyList<double>? classWeights = null, nn.Reduction reduction = nn.Reduction.Mean) : base(reduction)
        {
            Functional.CheckGamma(gamma);
            Gamma = gamma;
            if (classWeights is not null)
            {
                _weights = LossChecks.HostWeights(classWeights, null, nameof(classWeights));
                class_weights = tensor(_weights, ScalarType.Float64).DetachFromDisposeScope();
            }
            RegisterComponents();
        }

        /// <summary>The focusing parameter gamma.</summary>
        public double Gamma { get; }

        /// <summary>The per-class weights, or null when unweighted.</summary>
        public IReadOnlyList<double>? ClassWeights => _weights;

        /// <summary>Number of classes fixed by the weights, or null when unweighted (any number of classes).</summary>
        public int? NumClasses => _weights?.Length;

        /// <summary>Whether each call checks that targets lie in [0, C) (one device synchronisation on accelerators); default true.</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B].</summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64 (half precision is computed in float32).</param>
        /// <param name="target">Class indices [B], int64, on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] (None). An empty batch gives 0 (Mean, Sum) or an empty vector.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); or the
        /// weights are not on the logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (class_weights is not null) ComparisonLossHelpers.CheckCall(input, target, _weights!.Length, class_weights);
            else
            {
                LossChecks.Logits(input, nameof(input));
                LossChecks.Target(target, input, nameof(target));
            }
            if (ValidateTargets) LossChecks.Values(target, input.size(1), null, nameof(target), nameof(target));
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            return Functional.FocalCore(x, target, Gamma, class_weights?.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) class_weights?.Dispose();
            base.Dispose(disposing);
        }
    }
}
