using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Training
{
    /// <summary>Where a run writes: <c>results.json</c>, <c>log.csv</c>, <c>checkpoints/</c> (last and best),
    /// <c>plots/</c> and, when collected, <c>gradient_balance.json</c>; and what to do with a folder that already holds
    /// a run (find it, move it aside, delete it).</summary>
    public sealed class RunPaths
    {
        /// <summary>Lays out a run's output folder.</summary>
        /// <param name="outputDir">The output folder.</param>
        /// <param name="modelDir">Checkpoint folder, relative to <paramref name="outputDir"/> unless absolute.</param>
        /// <exception cref="ArgumentException"><paramref name="outputDir"/> is empty.</exception>
        public RunPaths(string outputDir, string modelDir = "checkpoints")
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(outputDir);
            OutputDir = Path.GetFullPath(outputDir);
            CheckpointDir = Path.GetFullPath(Path.IsPathRooted(modelDir) ? modelDir : Path.Combine(OutputDir, modelDir));
        }

        /// <summary>The output folder of <paramref name="config"/>: <paramref name="outOverride"/> when given; else, when
        /// the config resumes, the folder of the run it resumes (see <see cref="RunFolderOf"/>), so that a resumed run
        /// continues where it was; else <c>log_dir/name</c>.</summary>
        /// <param name="config">Supplies log_dir, name, model_dir and resume.</param>
        /// <param name="outOverride">The <c>--out</c> folder, or null.</param>
        /// <returns>The layout.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
        public static RunPaths For(TrainingConfig config, string? outOverride)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (!string.IsNullOrWhiteSpace(outOverride)) return new RunPaths(outOverride, config.ModelDir);
            if (!string.IsNullOrWhiteSpace(config.Resume) && RunFolderOf(config.Resume, config.ModelDir) is string folder)
                return new RunPaths(folder, config.ModelDir);
            return new RunPaths(Path.Combine(config.LogDir, config.Name), config.ModelDir);
        }

        /// <summary>The output folder (absolute).</summary>
        public string OutputDir { get; }

        /// <summary>The checkpoint folder (absolute).</summary>
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

        private IEnumerable<string> RunFiles => new[]
        {
            LastCheckpoint, LastCheckpoint + ".json", BestCheckpoint, BestCheckpoint + ".json", Results, Log, GradientBalance,
        };

        /// <summary>The files of a run that exist in this layout (checkpoints, results, log, gradient balance), relative
        /// to <see cref="OutputDir"/> where they lie inside it; empty when the folder holds no run.</summary>
        /// <returns>The files found, the checkpoints first.</returns>
        public IReadOnlyList<string> ExistingRunFiles() =>
            RunFiles.Where(f => File.Exists(f) && !f.EndsWith(".ckpt.json", StringComparison.Ordinal)).Select(Show).ToArray();

        /// <summary>Whether the folder holds a run that writing here would overwrite.</summary>
        public bool HoldsRun => ExistingRunFiles().Count > 0;

        /// <summary>Whether <paramref name="checkpoint"/> is one of this layout's checkpoints (a run continuing in place).</summary>
        /// <param name="checkpoint">A checkpoint file.</param>
        /// <returns>True for <see cref="LastCheckpoint"/> or <see cref="BestCheckpoint"/>.</returns>
        public bool Owns(string checkpoint)
        {
            ArgumentNullException.ThrowIfNull(checkpoint);
            var full = Path.GetFullPath(checkpoint);
            return full == LastCheckpoint || full == BestCheckpoint;
        }

        /// <summary>The sibling folder the run would be moved to now: <c>OUTPUT.old-yyyyMMdd-HHmmss</c> (a number added when
        /// taken).</summary>
        /// <param name="now">The time stamp.</param>
        /// <returns>A folder path that does not exist.</returns>
        public string AsideFolder(DateTime now)
        {
            var stem = OutputDir.TrimEnd(Path.DirectorySeparatorChar) + ".old-" + now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            var folder = stem;
            for (int i = 2; Directory.Exists(folder) || File.Exists(folder); i++) folder = $"{stem}-{i}";
            return folder;
        }

        /// <summary>Moves the run's files (checkpoints, results, log, gradient balance, plots) to <see cref="AsideFolder"/>,
        /// keeping their layout; other files in the folder stay.</summary>
        /// <param name="now">The time stamp of the new folder's name.</param>
        /// <returns>The folder the run now lies in.</returns>
        /// <exception cref="IOException">A file cannot be moved.</exception>
        public string MoveAside(DateTime now)
        {
            var aside = AsideFolder(now);
            foreach (var file in RunFiles.Where(File.Exists))
            {
                var target = Path.Combine(aside, Relative(file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(file, target);
            }
            if (Directory.Exists(PlotDir))
            {
                Directory.CreateDirectory(aside);
                Directory.Move(PlotDir, Path.Combine(aside, "plots"));
            }
            RemoveIfEmpty(CheckpointDir);
            return aside;
        }

        /// <summary>Deletes the run's files (checkpoints, results, log, gradient balance, plots); other files stay.</summary>
        /// <exception cref="IOException">A file cannot be deleted.</exception>
        public void DeleteRun()
        {
            foreach (var file in RunFiles.Where(File.Exists)) File.Delete(file);
            if (Directory.Exists(PlotDir)) Directory.Delete(PlotDir, recursive: true);
            RemoveIfEmpty(CheckpointDir);
        }

        private void RemoveIfEmpty(string folder)
        {
            if (folder != OutputDir && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }

        /// <summary>A path inside the output folder relative to it; one outside it (an absolute model_dir) under
        /// <c>checkpoints/</c>.</summary>
        private string Relative(string file)
        {
            var relative = Path.GetRelativePath(OutputDir, file);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.Combine("checkpoints", Path.GetFileName(file)) : relative;
        }

        private string Show(string file)
        {
            var relative = Path.GetRelativePath(OutputDir, file);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative.Replace('\\', '/');
        }

        /// <summary>Resolves a <c>resume:</c> value: a checkpoint file, or a run folder holding <c>checkpoints/last.ckpt</c>
        /// (or <c>MODEL_DIR/last.ckpt</c>, or <c>last.ckpt</c>).</summary>
        /// <param name="resume">The value.</param>
        /// <param name="modelDir">The config's model_dir, looked in first.</param>
        /// <returns>The checkpoint file (which may not exist).</returns>
        public static string ResolveResume(string resume, string modelDir = "checkpoints")
        {
            ArgumentNullException.ThrowIfNull(resume);
            if (Directory.Exists(resume))
            {
                foreach (var candidate in Candidates(resume, modelDir))
                    if (File.Exists(candidate)) return candidate;
            }
            return resume;
        }

        /// <summary>The checkpoint files a run folder may hold, in the order <see cref="ResolveResume"/> tries them.</summary>
        /// <param name="folder">A run folder.</param>
        /// <param name="modelDir">The config's model_dir.</param>
        /// <returns>Candidate paths.</returns>
        public static IReadOnlyList<string> Candidates(string folder, string modelDir = "checkpoints")
        {
            ArgumentNullException.ThrowIfNull(folder);
            var list = new List<string>();
            if (!string.IsNullOrWhiteSpace(modelDir) && !Path.IsPathRooted(modelDir)) list.Add(Path.Combine(folder, modelDir, "last.ckpt"));
            list.Add(Path.Combine(folder, "checkpoints", "last.ckpt"));
            list.Add(Path.Combine(folder, "last.ckpt"));
            return list.Distinct().ToArray();
        }

        /// <summary>The run folder a <c>resume:</c> value belongs to: the folder given, or for a checkpoint file the folder
        /// holding it, or that folder's parent when the file lies in the run's model_dir (<c>RUN/checkpoints/last.ckpt</c>).</summary>
        /// <param name="resume">A run folder or a checkpoint file.</param>
        /// <param name="modelDir">The config's model_dir.</param>
        /// <returns>The folder (absolute), or null when <paramref name="resume"/> names nothing that exists, or a
        /// checkpoint in an absolute model_dir (whose run folder cannot be told from the path).</returns>
        public static string? RunFolderOf(string resume, string modelDir = "checkpoints")
        {
            ArgumentNullException.ThrowIfNull(resume);
            var full = Path.GetFullPath(resume);
            if (Directory.Exists(full))
            {
                // RUN/checkpoints given as the resume folder: the run is its parent.
                bool holdsModelDir = Candidates(full, modelDir).SkipLast(1).Any(File.Exists);
                return !holdsModelDir && File.Exists(Path.Combine(full, "last.ckpt")) && IsModelDirOf(full, modelDir) ? Path.GetDirectoryName(full) : full;
            }
            if (!File.Exists(full)) return null;
            var folder = Path.GetDirectoryName(full)!;
            if (Path.IsPathRooted(modelDir)) return Path.GetFullPath(modelDir) == folder ? null : folder;
            return IsModelDirOf(folder, modelDir) ? Path.GetDirectoryName(folder) : folder;
        }

        private static bool IsModelDirOf(string folder, string modelDir)
        {
            if (string.IsNullOrWhiteSpace(modelDir) || Path.IsPathRooted(modelDir)) return false;
            var parent = Path.GetDirectoryName(folder);
            return parent is not null && Path.GetFullPath(Path.Combine(parent, modelDir)) == folder;
        }
    }
}
