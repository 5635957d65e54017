using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Per-call state of the hand-written loss nodes (<see cref="FusedArbLoss"/>, <see cref="FusedDenseArbLoss"/>): the
    /// reduction, the caller's logits (for create_graph), whether the saved buffer was already turned into a gradient,
    /// and the wrappers to release once the node holds its native references.
    /// </summary>
    internal sealed class LossNodeState
    {
        // Gradients handed to the engine by the nodes' backward on this thread. The engine keeps its own reference, so
        // the wrappers are released at the next call instead of waiting for a dispose scope or the finalizer.
        [ThreadStatic] private static List<Tensor>? t_returnedGradients;

        /// <summary>Creates the state of one call.</summary>
        public LossNodeState(nn.Reduction reduction, Tensor input)
        {
            Reduction = reduction;
            Input = input;
        }

        /// <summary>The reduction.</summary>
        public nn.Reduction Reduction { get; }

        /// <summary>The caller's logits; not owned. Used only when backward must be differentiable.</summary>
        public Tensor Input { get; }

        /// <summary>Whether the saved buffer was already turned into a gradient (a second backward recomputes it).</summary>
        public bool Consumed { get; set; }

        /// <summary>Wrappers the call made, released by <see cref="DisposeTemporaries"/>.</summary>
        public List<Tensor> Temporaries { get; } = new();

        /// <summary>Releases the wrappers of <see cref="Temporaries"/>.</summary>
        public void DisposeTemporaries()
        {
            foreach (var t in Temporaries) t.Dispose();
            Temporaries.Clear();
        }

        /// <summary>Keeps the wrapper of a gradient a backward returns, until the next call on this thread.</summary>
        public static void KeepReturnedGradient(Tensor grad) => (t_returnedGradients ??= new()).Add(grad);

        /// <summary>Releases the wrappers of the gradients returned since the last call on this thread.</summary>
        public static void ReleaseReturnedGradients()
        {
            var returned = t_returnedGradients;
            if (returned is null || returned.Count == 0) return;
            foreach (var t in returned) t.Dispose();
            returned.Clear();
        }
    }
}
