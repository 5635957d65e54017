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
    /// <para>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample) and an
    /// ignore index: ignored positions give no loss and exactly zero gradient; Mean divides by the number of non-ignored
    /// positions; all positions ignored gives 0 with zero gradient. The class weights are this loss's <c>weight</c>
    /// (<see cref="Functional.focal_loss"/> takes them as <c>weight</c>). Label smoothing is not supported: the focusing
    /// factor <c>(1 - p_y)^gamma</c> is defined for one target class, and smoothed targets have no agreed focal form.</para>
    /// </remarks>
    public sealed class FocalLoss : Loss<Tensor, Tensor, Tensor>
    {
        // Registered buffer (field name == buffer name), float64; null when unweighted.
        private Tensor? class_weights;
        private readonly double[]? _weights;

        /// <summary>Creates the loss.</summary>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2).</param>
        /// <param name="classWeights">Optional per-class weights (finite, non-negative); their count fixes the number of classes.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample (position).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss and no gradient (default -100, as TorchSharp).</param>
        /// <param name="labelSmoothing">Must be 0: label smoothing is not supported (see remarks).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative or not finite.</exception>
        /// <exception cref="ArgumentException">The weights are empty, negative or not finite; <paramref name="labelSmoothing"/>
        /// is not 0.</exception>
        public FocalLoss(double gamma = 2.0, IReadOnlyList<double>? classWeights = null, nn.Reduction reduction = nn.Reduction.Mean,
            long ignoreIndex = -100, double labelSmoothing = 0) : base(reduction)
        {
            Functional.CheckGamma(gamma);
            Functional.RejectFocalSmoothing(labelSmoothing);
            Gamma = gamma;
            IgnoreIndex = ignoreIndex;
            if (classWeights is not null)
            {
                _weights = LossChecks.HostWeights(classWeights, null, nameof(classWeights));
                class_weights = tensor(_weights, ScalarType.Float64).DetachFromDisposeScope();
            }
            RegisterComponents();
        }

        /// <summary>The focusing parameter gamma.</summary>
        public double Gamma { get; }

        /// <summary>Target value of positions that give no loss and no gradient.</summary>
        public long IgnoreIndex { get; }

        /// <summary>The per-class weights, or null when unweighted.</summary>
        public IReadOnlyList<double>? ClassWeights => _weights;

        /// <summary>Number of classes fixed by the weights, or null when unweighted (any number of classes).</summary>
        public int? NumClasses => _weights?.Length;

        /// <summary>Whether each call checks that targets lie in [0, C) (one device synchronisation on accelerators); default true.</summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>Computes the loss of <paramref name="input"/> logits against int64 targets.</summary>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64 (half precision
        /// is computed in float32).</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, on the logits' device: in [0, C) or the ignore index.</param>
        /// <returns>A scalar (Mean, Sum) or the targets' shape (None, 0 at ignored positions). An empty batch gives 0
        /// (Mean, Sum) or an empty tensor.</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; or the weights are not on the
        /// logits' device.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (DensePositions.Needed(input, IgnoreIndex, false) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, IgnoreIndex, ValidateTargets))
                return DenseForward(input, target);
            try
            {
                if (class_weights is not null) ComparisonLossHelpers.CheckCall(input, target, _weights!.Length, class_weights);
                else
                {
                    LossChecks.Logits(input, nameof(input));
                    LossChecks.Target(target, input, nameof(target));
                }
                if (ValidateTargets) LossChecks.Values(target, input.size(1), null, nameof(target), nameof(target));
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return DenseForward(input, target);
            }
            using var scope = NewDisposeScope();
            var x = Functional.ComputeInput(input);
            return Functional.FocalCore(x, target, Gamma, class_weights?.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        private Tensor DenseForward(Tensor input, Tensor target)
        {
            DensePositions.CheckShapes(input, target, NumClasses);
            if (class_weights is not null && !LossChecks.SameDevice(class_weights, input))
                throw new ArgumentException($"The loss's per-class constants are on {class_weights.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
            return Functional.FocalDense(input, target, Gamma, class_weights, IgnoreIndex, reduction);
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) class_weights?.Dispose();
            base.Dispose(disposing);
        }
    }
}
