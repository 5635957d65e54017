using System;
using Arbloss.Losses;
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

        /// <summary>
        /// Whether the loss checks its targets on every call (the package losses' <c>ValidateTargets</c>; default true).
        /// On an accelerator each check reads a result back, one host-device synchronisation per call; the trainer turns
        /// it off because its labels were checked on the host when the data were loaded (<see cref="Data.DatasetSplits"/>).
        /// Always true for a loss without the switch (TorchSharp's cross-entropy checks on the device without reading back).
        /// </summary>
        public bool ValidateTargets
        {
            get => Module switch
            {
                ArbLoss l => l.ValidateTargets,
                ArbFocalLoss l => l.ValidateTargets,
                WeightedArbLoss l => l.ValidateTargets,
                ArbLabelAwareSmoothingLoss l => l.ValidateTargets,
                LabelAwareSmoothingLoss l => l.ValidateTargets,
                FocalLoss l => l.ValidateTargets,
                ClassBalancedLoss l => l.ValidateTargets,
                LogitAdjustedLoss l => l.ValidateTargets,
                LdamLoss l => l.ValidateTargets,
                _ => true,
            };
            set
            {
                switch (Module)
                {
                    case ArbLoss l: l.ValidateTargets = value; break;
                    case ArbFocalLoss l: l.ValidateTargets = value; break;
                    case WeightedArbLoss l: l.ValidateTargets = value; break;
                    case ArbLabelAwareSmoothingLoss l: l.ValidateTargets = value; break;
                    case LabelAwareSmoothingLoss l: l.ValidateTargets = value; break;
                    case FocalLoss l: l.ValidateTargets = value; break;
                    case ClassBalancedLoss l: l.ValidateTargets = value; break;
                    case LogitAdjustedLoss l: l.ValidateTargets = value; break;
                    case LdamLoss l: l.ValidateTargets = value; break;
                }
            }
        }

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
