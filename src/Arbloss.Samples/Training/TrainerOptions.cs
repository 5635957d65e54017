using System.Threading;
using Arbloss.Samples.Data;
using Arbloss.Samples.Reporting;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>How a <see cref="Trainer"/> runs: where it writes, on which device, who watches, and where data come from.</summary>
    public sealed record TrainerOptions
    {
        /// <summary>The <c>--out</c> folder, or null for <c>log_dir/name</c>.</summary>
        public string? OutputDir { get; init; }

        /// <summary>Training device (see <see cref="DeviceSelector"/>).</summary>
        public Device Device { get; init; } = CPU;

        /// <summary>Receives progress; null for none.</summary>
        public ITrainingObserver? Observer { get; init; }

        /// <summary>Downloader, cache folder and status output for the dataset provider.</summary>
        public DataContext Data { get; init; } = new();

        /// <summary>A dataset provider to use instead of the registry's one for the config's <c>dataset</c> (tests, plug-ins).</summary>
        public IDatasetProvider? Dataset { get; init; }

        /// <summary>Whether to draw the PNG plots at the end of the run.</summary>
        public bool WritePlots { get; init; } = true;

        /// <summary>What to do when the output folder holds a run this one does not continue: refuse (default), move it
        /// aside or delete it.</summary>
        public ExistingRunPolicy ExistingRun { get; init; } = ExistingRunPolicy.Refuse;

        /// <summary>How the user continues this run, for messages (e.g. the main job's <c>--resume</c>); null for
        /// <c>--set resume=OUTPUT_DIR</c>.</summary>
        public string? ResumeHint { get; init; }

        /// <summary>Stops the run: an epoch in progress is abandoned, the last finished epoch's checkpoint stays, and
        /// results are written for the epochs done.</summary>
        public CancellationToken Cancellation { get; init; }
    }
}
