using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>The loss module of a run, with an optional per-epoch hook (e.g. LDAM's deferred re-weighting).</summary>
    public sealed class TrainingCriterion : IDisposable
    {
        private readonly Action<int>? _onEpoch;

        /// <summary>Wraps a loss module.</summary>
        /// <param name="name">The loss's config name.</param>
        /// <param name="module">The loss, logits [B, C] and targets [B] to a scalar.</param>
        /// <param name="onEpoch">Called at the start of every epoch with the epoch (from 0); null for none.</param>
        /// <exception cref="ArgumentNullException"><paramref name="module"/> is null.</exception>
        public TrainingCriterion(string name, Loss<Tensor, Tensor, Tensor> module, Action<int>? onEpoch = null)
        {
            Name = name;
            Module = module ?? throw new ArgumentNullException(nameof(module));
            _onEpoch = onEpoch;
        }

        /// <summary>The loss's config name, e.g. <c>arb_batch</c>.</summary>
        public string Name { get; }

        /// <summary>The loss module.</summary>
        public Loss<Tensor, Tensor, Tensor> Module { get; }

        /// <summary>Runs the per-epoch hook.</summary>
        /// <param name="epoch">The epoch about to start, from 0.</param>
        public void StartEpoch(int epoch) => _onEpoch?.Invoke(epoch);

        /// <summary>Moves the loss's buffers (e.g. class counts) to <paramref name="device"/>.</summary>
        /// <param name="device">The training device.</param>
        public void To(Device device) => Module.to(device);

        /// <summary>Releases the module.</summary>
        public void Dispose() => Module.Dispose();
    }
}
