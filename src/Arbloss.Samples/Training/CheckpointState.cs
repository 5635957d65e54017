using System.Collections.Generic;
using Arbloss.Samples.Reporting;

namespace Arbloss.Samples.Training
{
    /// <summary>The metadata stored in a checkpoint: what the run is, how far it got, and its history.</summary>
    public sealed record CheckpointState
    {
        /// <summary>Format version of the checkpoint file.</summary>
        public int FormatVersion { get; init; } = 1;

        /// <summary>Run name.</summary>
        public string Name { get; init; } = "";

        /// <summary>Dataset identifier, e.g. <c>cifar10-lt</c>.</summary>
        public string Dataset { get; init; } = "";

        /// <summary>Loss name.</summary>
        public string Loss { get; init; } = "";

        /// <summary>Backbone name.</summary>
        public string Backbone { get; init; } = "";

        /// <summary>Number of classes.</summary>
        public int NumClasses { get; init; }

        /// <summary>The run's seed.</summary>
        public long Seed { get; init; }

        /// <summary>Epochs finished; a resumed run starts with epoch <c>EpochsCompleted + 1</c>.</summary>
        public int EpochsCompleted { get; init; }

        /// <summary>Epochs the run was configured for.</summary>
        public int NumEpochs { get; init; }

        /// <summary>The run's <c>lr</c>; null in checkpoints written before it was recorded.</summary>
        public double? Lr { get; init; }

        /// <summary>The run's <c>cos</c>; null in older checkpoints.</summary>
        public bool? Cos { get; init; }

        /// <summary>The run's <c>warmup_epochs</c>; null in older checkpoints.</summary>
        public int? WarmupEpochs { get; init; }

        /// <summary>The run's <c>lr_steps</c>; null in older checkpoints.</summary>
        public IReadOnlyList<int>? LrSteps { get; init; }

        /// <summary>Best test top-1 so far, percent.</summary>
        public double BestTop1 { get; init; }

        /// <summary>Epoch (from 1) of the best test top-1.</summary>
        public int BestEpoch { get; init; }

        /// <summary>Training images processed so far (for the throughput of a resumed run).</summary>
        public long TrainImages { get; init; }

        /// <summary>Seconds spent training so far.</summary>
        public double TrainSeconds { get; init; }

        /// <summary>Wall-clock seconds of the run so far.</summary>
        public double Seconds { get; init; }

        /// <summary>Every finished epoch's log row.</summary>
        public IReadOnlyList<EpochRecord> History { get; init; } = new List<EpochRecord>();

        /// <summary>A segmentation run's finished epochs (<see cref="History"/> is then empty, and <see cref="BestTop1"/>
        /// holds the best test mean IoU); null for classification runs.</summary>
        public IReadOnlyList<SegmentationEpoch>? SegmentationHistory { get; init; }

        /// <summary>When the checkpoint was written (UTC, ISO 8601).</summary>
        public string SavedUtc { get; init; } = "";
    }
}
