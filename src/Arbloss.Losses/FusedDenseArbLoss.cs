using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// The dense ARB loss (<see cref="ArbDense"/>, no label smoothing) with a hand-written forward and backward that keep
    /// a single [N, C, d1, ..., dk] buffer: the adjusted logits <c>x + log n</c> become their (unnormalised) exponentials in
    /// place, and the backward turns those into the gradient in place.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Forward: <c>s = x + log n</c>; <c>s -= max_c s</c>; the target's shifted logit is read; <c>s = exp(s)</c>;
    /// <c>Z = sum_c s</c> (kept unnormalised: <c>p = s / Z</c>). The loss of a position is <c>log Z - s_y</c>, computed
    /// before the exponential, so it is exact for any finite logits (no clamp, no underflow to an infinite loss).
    /// Ignored positions get 0, the per-position loss is multiplied by the target's class weight, and Mean divides by the
    /// sum of the non-ignored positions' weights (their number without weights), as <c>cross_entropy</c>.
    /// </para>
    /// <para>
    /// Backward: <c>(p - onehot(y)) * w_y * dL</c>, i.e. <c>s * (w_y dL / Z)</c> minus <c>w_y dL</c> at the target, written into the saved buffer (exactly 0 for ignored positions
    /// and for classes of count 0, whose probability is exactly 0). <c>cross_entropy</c> of the adjusted logits keeps
    /// the same one buffer for its backward (its log-softmax) but its forward also needs the adjusted logits beside it,
    /// and its backward allocates two more buffers of that size (the log-softmax's incoming gradient and its result);
    /// this node allocates none. A second backward through a retained graph recomputes the probabilities from the
    /// logits; with create_graph the gradient is rebuilt from the logits with differentiable operations. Nothing in the
    /// backward may throw: it runs inside a native callback. Nothing here may hand a number to TorchSharp where it takes
    /// a Scalar (see <see cref="Functional.Constants"/>).
    /// </para>
    /// </remarks>
    internal sealed class FusedDenseArbLoss : autograd.SingleTensorFunction<FusedDenseArbLoss>
    {
        private const string StateKey = "state";

        /// <summary>The node's name in the autograd graph.</summary>
        public override string Name => "DenseArbLossBackward";

        /// <summary>
        /// The loss of <paramref name="x"/> [N, C, d...] (float32 / float64, or half precision, promoted by the addition)
        /// against validated <paramref name="targetColumn"/>. The tensors other than <paramref name="x"/> must be
        /// the caller's private temporaries: they are saved for the backward as they are.
        /// </summary>
        /// <param name="x">The caller's logits (not a copy: with create_graph the backward rebuilds the gradient from them).</param>
        /// <param name="targetColumn">Targets [N, 1, d...] with ignored positions set to 0; the caller's own temporary.</param>
        /// <param name="logCounts">log n [1, C, 1, ..., 1] in the computation dtype (-inf for classes of count 0).</param>
        /// <param name="positionWeight">[N, 1, d...] in the computation dtype: the target's class weight (1 without weights),
        /// exactly 0 at ignored positions.</param>
        /// <param name="valid">[N, 1, d...] bool, false at ignored positions.</param>
        /// <param name="reduction">The reduction.</param>
        /// <returns>A scalar (Mean, Sum) or [N, d...] (None).</returns>
        internal static Tensor Apply(Tensor x, Tensor targetColumn, Tensor logCounts, Tensor positionWeight, Tensor valid, nn.Reduction reduction)
        {
            LossNodeState.ReleaseReturnedGradients();
            var state = new LossNodeState(reduction, x);
            try
            {
                return apply(x, targetColumn, logCounts, positionWeight, valid, state);
            }
            finally
            {
                state.DisposeTemporaries();
            }
        }

        /// <summary>Forward pass (runs with gradient recording off).</summary>
        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var state = (LossNodeState)vars[5];
            // Targets, counts, weights and mask are the dense path's own temporaries (no caller can change them in place);
            // the logits go through a fresh tensor object over the same storage (its own version counter; read only by a
            // second backward through a retained graph).
            var targets = (Tensor)vars[1];
            var logCounts = (Tensor)vars[2];
            var positionWeight = (Tensor)vars[3];
            var valid = (Tensor)vars[4];
            var logits = torch.empty(0, x.dtype, x.device).set_(x);
            state.Temporaries.Add(logits);

            var probs = x.add(logCounts, Functional.Constants.One);
            state.Temporaries.Add(probs);
            Tensor perPosition, denominator, total;
            using (var max = probs.amax(new long[] { 1 }, keepdim: true))
                probs.sub_(max);
            using (var picked = probs.gather(1, targets))
            {
                // exp(s - max) stays unnormalised: the backward divides by the total in the multiplication it does anyway.
                probs.exp_();
                total = probs.sum(new long[] { 1 }, keepdim: true);
                state.Temporaries.Add(total);
                perPosition = total.log().sub_(picked);
            }
            // Ignored positions may hold inf (their stand-in class 0 may be absent): masked, not multiplied.
            using (var invalid = valid.logical_not()) perPosition.masked_fill_(invalid, Zero);
            perPosition.mul_(positionWeight);
            using (perPosition)
            {
                // 1 when nothing is left (every position ignored, or weights summing to 0): the sum is 0 then.
                denominator = positionWeight.sum();
                using (var empty = denominator.le(Zero)) denominator.masked_fill_(empty, OneScalar);
                state.Temporaries.Add(denominator);
                Tensor loss;
                switch (state.Reduction)
                {
                    case nn.Reduction.None:
                        loss = perPosition.squeeze(1);
                        break;
                    case nn.Reduction.Sum:
                        loss = perPosition.sum();
                        break;
                    default:
                        using (var sum = perPosition.sum()) loss = sum.div(denominator);
                        break;
                }
                state.Temporaries.Add(loss);
                ctx.save_for_backward(new List<Tensor> { probs, logits, targets, logCounts, positionWeight, valid, denominator, total });
                ctx.save_data(StateKey, state);
                return loss;
            }
        }

        /// <summary>Backward pass: the gradient with respect to the logits only.</summary>
        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var state = (LossNodeState)ctx.get_data(StateKey);
            var saved = ctx.get_saved_variables();
            Tensor probs = saved[0], logits = saved[1], targets = saved[2], logCounts = saved[3], positionWeight = saved[4], valid = saved[5], denominator = saved[6], total = saved[7];
            Tensor grad;
            try
            {
                using var scale = Scale(grad_output, positionWeight, valid, denominator, state.Reduction);
                if (torch.is_grad_enabled() && state.Input is { IsInvalid: false } input)
                {
                    // create_graph: differentiable (softmax(x + log n) - onehot(y)) * scale.
                    using var shifted = input.add(logCounts, Functional.Constants.One);
                    using var p = shifted.softmax(1);
                    using var ones = torch.ones(targets.shape, p.dtype, p.device);
                    using var oneHot = torch.zeros_like(p).scatter_(1, targets, ones);
                    using var difference = p.sub(oneHot);
                    grad = difference.mul(scale);
                }
                else
                {
                    using var noGrad = torch.no_grad();
                    if (!state.Consumed)
                    {
                        // exp(s - max) * (scale / total) = p * scale.
                        state.Consumed = true;
                        grad = torch.empty(0, probs.dtype, probs.device).set_(probs);
                        using var factor = scale.div(total);
                        grad.mul_(factor);
                    }
                    else
                    {
                        using var shifted = logits.add(logCounts, Functional.Constants.One);
                        grad = shifted.softmax(1);
                        grad.mul_(scale);
                    }
                    // - onehot(y) * scale
                    using (var minusScale = scale.neg())
                        grad.scatter_add_(1, targets, minusScale);
                }
            }
            finally
            {
                foreach (var t in saved) t.Dispose();
                grad_output.Dispose();
            }
            LossNodeState.KeepReturnedGradient(grad);
            return new List<Tensor> { grad, null!, null!, null!, null!, null! };
        }

        private static readonly Scalar Zero = 0.ToScalar();
        private static readonly Scalar OneScalar = 1.ToScalar();

        /// <summary>dL/d(per-position loss) times the position's weight, [N, 1, d...]; exactly 0 at ignored positions.</summary>
        private static Tensor Scale(Tensor gradOutput, Tensor positionWeight, Tensor valid, Tensor denominator, nn.Reduction reduction)
        {
            switch (reduction)
            {
                case nn.Reduction.Mean:
                    // Weight over denominator first (the denominator is 1 when nothing is left, so this is 0 then).
                    using (var share = positionWeight.div(denominator)) return share.mul(gradOutput);
                case nn.Reduction.Sum:
                    return positionWeight.mul(gradOutput);
                default:
                    using (var column = gradOutput.unsqueeze(1))
                    using (var invalid = valid.logical_not())
                    {
                        // A NaN or inf the caller put at an ignored position must not reach the gradient.
                        var scale = positionWeight.mul(column);
                        return scale.masked_fill_(invalid, Zero);
                    }
            }
        }


    }
}
