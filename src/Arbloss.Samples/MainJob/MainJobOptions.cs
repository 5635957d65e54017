using System;
using System.Collections.Generic;
using Arbloss.Samples.Training;

namespace Arbloss.Samples.MainJob
{
    /// <summary>Settings of the main job (the app run with no command).</summary>
    public sealed record MainJobOptions
    {
        /// <summary>Folder receiving one sub-folder per run and the comparison files (default <c>runs</c>).</summary>
        public string OutputDir { get; init; } = "runs";

        /// <summary>Folder with the Fashion-MNIST idx files (<c>--data</c>), or null to search the usual places.</summary>
        public string? DataDir { get; init; }

        /// <summary>Device name for <c>DeviceSelector</c>.</summary>
        public string Device { get; init; } = "auto";

        /// <summary>Seed overriding the configs' seed, or null.</summary>
        public long? Seed { get; init; }

        /// <summary><c>key=value</c> overrides applied to all three configs.</summary>
        public IReadOnlyList<string> Overrides { get; init; } = Array.Empty<string>();

        /// <summary>Run the synthetic benchmark without looking for Fashion-MNIST.</summary>
        public bool ForceSynthetic { get; init; }

        /// <summary>Whether Fashion-MNIST may be downloaded when not found.</summary>
        public bool AllowDownload { get; init; } = true;

        /// <summary>Folders searched for Fashion-MNIST after <see cref="DataDir"/>; null for Debian's
        /// <c>/usr/share/datasets/fashion-mnist</c>.</summary>
        public IReadOnlyList<string>? SystemDataFolders { get; init; }

        /// <summary>Download cache folder, or null for the default.</summary>
        public string? CacheRoot { get; init; }

        /// <summary>Whether each run draws its plots.</summary>
        public bool WritePlots { get; init; } = true;

        /// <summary><c>--resume</c>: continue each run from the checkpoint in its own folder under <see cref="OutputDir"/>
        /// (a run without one starts afresh).</summary>
        public bool Resume { get; init; }

        /// <summary>What a run does when its folder holds a run it does not continue (<c>--force</c>, <c>--delete-old</c>);
        /// <see cref="ExistingRunPolicy.Refuse"/> stops the job before anything trains.</summary>
        public ExistingRunPolicy ExistingRun { get; init; } = ExistingRunPolicy.Refuse;
    }
}
