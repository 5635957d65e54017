using System.Collections.Generic;

namespace Arbloss.Samples.Reporting
{
    /// <summary>What a run trains, for its header.</summary>
    public sealed record RunInfo
    {
        /// <summary>Run name.</summary>
        public string Name { get; init; } = "";

        /// <summary>Dataset identifier.</summary>
        public string Dataset { get; init; } = "";

        /// <summary>Loss name.</summary>
        public string Loss { get; init; } = "";

        /// <summary>Backbone name.</summary>
        public string Backbone { get; init; } = "";

        /// <summary>Trainable parameters.</summary>
        public long Parameters { get; init; }

        /// <summary>Training device.</summary>
        public string Device { get; init; } = "";

        /// <summary>Training samples.</summary>
        public int TrainSamples { get; init; }

        /// <summary>Test samples.</summary>
        public int TestSamples { get; init; }

        /// <summary>Training samples per class.</summary>
        public IReadOnlyList<long> TrainClassCounts { get; init; } = new List<long>();

        /// <summary>What <see cref="TrainClassCounts"/> count: <c>images</c> (classification, the default) or <c>pixels</c>
        /// (segmentation).</summary>
        public string ClassCountUnit { get; init; } = "images";

        /// <summary>Training batches per epoch.</summary>
        public int BatchesPerEpoch { get; init; }

        /// <summary>Epochs configured.</summary>
        public int NumEpochs { get; init; }

        /// <summary>First epoch to run (from 1; above 1 when resuming).</summary>
        public int FirstEpoch { get; init; } = 1;

        /// <summary>Output folder.</summary>
        public string OutputDir { get; init; } = "";
    }
}
