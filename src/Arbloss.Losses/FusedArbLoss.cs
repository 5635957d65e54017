using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Cross-entropy of <c>logits + logCounts</c> with a hand-written backward, used for large CPU batches.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Forward: <c>p = softmax(x + log n)</c>, and the loss of row i is <c>-log p[i, y_i]</c>. Rows whose
    /// <c>p[i, y_i]</c> is below the smallest normal number (a loss above about 87 in float32) are recomputed exactly
    /// with <c>log_softmax</c>, so there is no clamp and no infinite loss for finite logits.
    /// </para>
    /// <para>
    /// Backward: the gradient <c>(p - onehot(y)) * dL</c> is written into the saved probabilities in place. Against
    /// autograd's cross-entropy this saves the exponential of the log-softmax backward and two [B, C] allocations,
    /// which is what makes it faster than <c>cross_entropy</c> itself once B x C is large on the CPU (0.64-0.90x of its
    /// time at (512, 1000) and (256, 8142) on a fresh or reused leaf, 0.91-1.11x for a whole step with a linear head,
    /// BenchmarkDotNet at 2 threads in benchmarks/README.md). It costs a fixed managed overhead per call (tens of
    /// microseconds: TorchSharp's custom-function machinery), so small batches use the composition instead
    /// (<see cref="Functional.FusedMinElements"/>). On a fresh leaf (no gradient yet) the engine copies the returned
    /// gradient once instead of adopting it, because this class's wrapper still refers to it (TorchSharp offers no
    /// way to drop it before the engine accumulates); that copy is in the numbers above.
    /// </para>
    /// <para>
    /// The in-place write goes through a second tensor over the same storage with its own version counter, so the
    /// saved probabilities can still be unpacked. A second backward through the same graph (<c>retain_graph</c>)
    /// recomputes the probabilities from a storage-sharing copy of the logits. With <c>create_graph</c> the gradient
    /// is rebuilt from the logits with differentiable operations, so higher-order gradients are exact. That uses the
    /// caller's logits tensor object itself (half precision included, promoted inside): if the caller disposed it before
    /// the backward, the gradient comes back without a graph (TorchSharp gives a custom function no other reference
    /// that survives without its saved-variable version check, which must not throw in here).
    /// Memory: like cross-entropy it keeps one [B, C] tensor for the backward (the softmax); it also keeps the logits'
    /// storage alive until the graph is freed, which the composition does not. Measured peak of a whole step (native
    /// allocations, benchmarks/README.md): 3 [B, C] float32 buffers with a head or a fresh leaf, 2 with a reused leaf;
    /// cross-entropy needs 4 and 3. Nothing here may hand a number to TorchSharp where it takes a Scalar (see
    /// <see cref="Functional.Constants"/>).
    /// Nothing in the backward may throw: it runs inside a native callback.
    /// </para>
    /// </remarks>
    internal sealed class FusedArbLoss : autograd.SingleTensorFunction<FusedArbLoss>
    {
        private const string StateKey = "state";

        /// <summary>The node's name in the autograd graph.</summary>
        public override string Name => "ArbLossBackward";

        /// <summary>
        /// Computes the loss of <paramref name="x"/> [B, C] (B &gt; 0; float32 or float64, or half precision computed
        /// in float32) against <paramref name="target"/> [B] with the per-class offsets <paramref name="logCounts"/> [C]
        /// (in the computation dtype, on the logits' device), already validated by the caller. <paramref name="x"/> is
        /// the caller's tensor itself, not a copy: with create_graph the backward rebuilds the gradient from it.
        /// </summary>
        internal static Tensor Apply(Tensor x, Tensor target, Tensor logCounts, nn.Reduction reduction)
        {
            LossNodeState.ReleaseReturnedGradients();
            var state = new LossNodeState(reduction, x);
            try
            {
                return apply(x, target, logCounts, state);
            }
            finally
            {
                // The node holds native references (saved variables) by now; our wrappers can go.
                state.DisposeTemporaries();
            }
        }

        /// <summary>Forward pass (runs with gradient recording off).</summary>
        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var target = (Tensor)vars[1];
            var logCounts = (Tensor)vars[2];
            var state = (LossNodeState)vars[3];

            // Private copies only, so no in-place change by the caller can invalidate what backward unpacks: the
            // targets as a [B, 1] column (cloned), the logits through a fresh tensor object over the same storage
            // (its own version counter; read only by a second backward through a retained graph).
            Tensor targets;
            using (var column = target.unsqueeze(1)) targets = column.clone();
            state.Temporaries.Add(targets);
            var logits = torch.empty(0, x.dtype, x.device).set_(x);
            state.Temporaries.Add(logits);

            Tensor probs, loss;
            using (var shifted = x.add(logCounts, Functional.Constants.One))
            {
                probs = shifted.softmax(1);
                state.Temporaries.Add(probs);
                using var picked = probs.gather(1, targets);
                long[] underflow = UnderflowRows(picked);
                picked.log_().neg_();
                using var perSample = picked.squeeze(1);
                if (underflow.Length > 0) ExactRows(shifted, targets, perSample, underflow);
                loss = state.Reduction switch
                {
                    nn.Reduction.Mean => perSample.mean(),
                    nn.Reduction.Sum => perSample.sum(),
                    _ => perSample.alias(),
                };
            }
            state.Temporaries.Add(loss);

            // The counts are saved as given: the node's saved variable keeps them alive after the caller disposes them.
            ctx.save_for_backward(new List<Tensor> { probs, logits, targets, logCounts });
            ctx.save_data(StateKey, state);
            return loss;
        }

        /// <summary>Backward pass: the gradient with respect to the logits; none for targets and counts.</summary>
        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var state = (LossNodeState)ctx.get_data(StateKey);
            var saved = ctx.get_saved_variables();
            Tensor probs = saved[0], logits = saved[1], targets = saved[2], offsets = saved[3];
            Tensor grad;
            try
            {
                if (torch.is_grad_enabled() && state.Input is { IsInvalid: false } input)
                {
                    // create_graph: build the gradient from the caller's logits so it is itself differentiable.
                    grad = DifferentiableGradient(input, targets, offsets, grad_output, state.Reduction);
                }
                else
                {
                    using var noGrad = torch.no_grad();
                    if (!state.Consumed)
                    {
                        // First backward: overwrite the probabilities with the gradient.
                        state.Consumed = true;
                        grad = torch.empty(0, probs.dtype, probs.device).set_(probs);
                    }
                    else
                    {
                        // Another backward through a retained graph: the saved storage holds the old gradient.
                        using var shifted = logits.add(offsets, Functional.Constants.One);
                        grad = shifted.softmax(1);
                    }
                    // (p - onehot(y)) * dL
                    using (var minusOne = torch.full(targets.size(0), 1, Functional.Constants.MinusOne, grad.dtype, grad.device))
                        grad.scatter_add_(1, targets, minusOne);
                    using var scale = Scale(grad_output, grad.size(0), state.Reduction);
                    grad.mul_(scale);
                }
            }
            finally
            {
                foreach (var t in saved) t.Dispose();
                // TorchSharp wraps the incoming gradient for this call only; without a dispose scope the wrapper would
                // wait for the finalizer (see Functional.Constants for why that matters).
                grad_output.Dispose();
            }
            LossNodeState.KeepReturnedGradient(grad);
            return new List<Tensor> { grad, null!, null!, null! };
        }


        /// <summary>Rows whose -log p underflowed: their loss exactly, from log_softmax of those rows only.</summary>
        private static void ExactRows(Tensor shifted, Tensor targets, Tensor perSample, long[] rows)
        {
            using var rowIndex = torch.tensor(rows, device: shifted.device);
            using var subset = shifted.index_select(0, rowIndex);
            using var logProbs = subset.log_softmax(1);
            using var subsetTargets = targets.index_select(0, rowIndex);
            using var exact = logProbs.gather(1, subsetTargets);
            exact.neg_();
            using var flat = exact.squeeze(1);
            perSample.index_copy_(0, rowIndex, flat);
        }

        /// <summary>Rows whose picked probability is 0 or subnormal (below the smallest normal float64 / float32).</summary>
        private static long[] UnderflowRows(Tensor picked)
        {
            // gather's result is contiguous; only a (forced) non-CPU call needs a copy.
            using var host = picked.device_type == DeviceType.CPU ? null : picked.cpu();
            var values = host ?? picked;
            List<long>? rows = null;
            if (values.dtype == ScalarType.Float64)
            {
                var span = MemoryMarshal.Cast<byte, double>(values.bytes);
                for (int i = 0; i < span.Length; i++)
                    if (span[i] < 2.2250738585072014e-308) (rows ??= new()).Add(i);
            }
            else
            {
                var span = MemoryMarshal.Cast<byte, float>(values.bytes);
                for (int i = 0; i < span.Length; i++)
                    if (span[i] < 1.17549435e-38f) (rows ??= new()).Add(i);
            }
            return rows?.ToArray() ?? Array.Empty<long>();
        }

        private static Tensor Scale(Tensor gradOutput, long batch, nn.Reduction reduction)
        {
            switch (reduction)
            {
                case nn.Reduction.Mean:
                    using (var divisor = batch.ToScalar()) return gradOutput.div(divisor);
                case nn.Reduction.Sum:
                    return gradOutput.alias();
                default:
                    return gradOutput.unsqueeze(1);
            }
        }

        /// <summary>
        /// (softmax(input + offsets) - onehot(target)) * dL with recorded operations; target is a [B, 1] column. For
        /// half-precision input the sum is float32 by promotion and the engine casts the result back to the input's dtype.
        /// </summary>
        private static Tensor DifferentiableGradient(Tensor input, Tensor target, Tensor offsets, Tensor gradOutput, nn.Reduction reduction)
        {
            using var shifted = input.add(offsets, Functional.Constants.One);
            using var probs = shifted.softmax(1);
            using var flatTarget = target.squeeze(1);
            using var oneHot = nn.functional.one_hot(flatTarget, input.size(1));
            using var oneHotTyped = oneHot.to_type(probs.dtype);
            using var difference = probs.sub(oneHotTyped);
            using var scale = Scale(gradOutput, input.size(0), reduction);
            return difference.mul(scale);
        }
    }
}
