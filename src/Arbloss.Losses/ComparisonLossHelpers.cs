using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>Construction and call checks shared by the comparison-loss modules.</summary>
    internal static class ComparisonLossHelpers
    {
        /// <summary>Host class counts as float64, validated: non-empty, non-negative, at least one positive.</summary>
        internal static double[] Counts(long[] classCounts, string name)
        {
            if (classCounts is null) throw new ArgumentNullException(name);
            return LossChecks.HostCounts(Array.ConvertAll(classCounts, c => (double)c), name);
        }

        /// <summary>
        /// A module's per-class constant, computed in float64 on the CPU from host counts. Intermediates are freed at
        /// once; the result is detached from any dispose scope, so a loss built inside a scope keeps its buffer.
        /// </summary>
        internal static Tensor PerClassBuffer(double[] hostCounts, Func<Tensor, Tensor> compute)
        {
            using var scope = NewDisposeScope();
            var counts = tensor(hostCounts, ScalarType.Float64);
            return compute(counts).DetachFromDisposeScope();
        }

        /// <summary>Shapes of a module call, and that the module's per-class buffer is on the logits' device.</summary>
        internal static void CheckCall(Tensor input, Tensor target, int numClasses, Tensor buffer)
        {
            LossChecks.Logits(input, nameof(input));
            if (input.size(1) != numClasses)
                throw new ArgumentException($"The logits have {input.size(1)} classes but the loss was built for {numClasses}.", nameof(input));
            LossChecks.Target(target, input, nameof(target));
            if (!LossChecks.SameDevice(buffer, input))
                throw new ArgumentException($"The loss's per-class constants are on {buffer.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
        }
    }
}
