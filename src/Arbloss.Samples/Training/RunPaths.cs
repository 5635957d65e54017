using System;
using System.IO;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Training
{
    /// <summary>Where a run writes: <c>results.json</c>, <c>log.csv</c>, <c>checkpoints/</c> (last and best),
    /// <c>plots/</c> and, when collected, <c>gradient_balance.json</c>.</summary>
    public sealed class RunPaths
    {
        /// <summary>Lays out a run's output folder.</summary>
        /// <param name="outputDir">The output folder.</param>
        /// <param name="modelDir">Checkpoint folder, relative to <paramref name="outputDir"/> unless absolute.</param>
        public RunPaths(string outputDir, string modelDir = "checkpoints")
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(outputDir);
            OutputDir = Path.GetFullPath(outputDir);
            CheckpointDir = Path.IsPathRooted(modelDir) ? modelDir : Path.Combine(OutputDir, modelDir);
        }

        /// <summary>The output folder of <paramref name="config"/>: <paramref name="outOverride"/> when given, else <c>log_dir/name</c>.</summary>
        /// <param name="config">Supplies log_dir, name and model_dir.</param>
        /// <param name="outOverride">The <c>--out</c> folder, or null.</param>
        /// <returns>The layout.</returns>
        public static RunPaths For(TrainingConfig config, string? outOverride)
        {
            ArgumentNullException.ThrowIfNull(config);
            return new RunPaths(string.IsNullOrWhiteSpace(outOverride) ? Path.Combine(config.LogDir, config.Name) : outOverride, config.ModelDir);
        }

        /// <summary>The output folder (absolute).</summary>
        public string OutputDir { get; }

        /// <summary>The checkpoint folder.</summary>
        public string CheckpointDir { get; }

        /// <summary><c>results.json</c>.</summary>
        public string Results => Path.Combine(OutputDir, "results.json");

        /// <summary><c>log.csv</c>, one row per epoch.</summary>
        public string Log => Path.Combine(OutputDir, "log.csv");

        /// <summary>The latest checkpoint (resume from it).</summary>
        public string LastCheckpoint => Path.Combine(CheckpointDir, "last.ckpt");

        /// <summary>The checkpoint of the best test top-1.</summary>
        public string BestCheckpoint => Path.Combine(CheckpointDir, "best.ckpt");

        /// <summary>Folder of the PNG plots.</summary>
        public string PlotDir => Path.Combine(OutputDir, "plots");

        /// <summary>Per-epoch attraction / repulsion matrices, when collected.</summary>
        public string GradientBalance => Path.Combine(OutputDir, "gradient_balance.json");

        /// <summary>Resolves a <c>resume:</c> value: a checkpoint file, or a run folder holding <c>checkpoints/last.ckpt</c>.</summary>
        /// <param name="resume">The value.</param>
        /// <returns>The checkpoint file (which may not exist).</returns>
        public static string ResolveResume(string resume)
        {
            if (Directory.Exists(resume))
            {
                foreach (var candidate in new[] { Path.Combine(resume, "checkpoints", "last.ckpt"), Path.Combine(resume, "last.ckpt") })
                    if (File.Exists(candidate)) return candidate;
            }
            return resume;
        }
    }
}
