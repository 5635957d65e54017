using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Training;
using Spectre.Console;

namespace Arbloss.Samples.MainJob
{
    /// <summary>
    /// The main job: Fashion-MNIST-LT (exponential profile, imbalance 0.01), the small conv net, 10 epochs of SGD with
    /// a cosine schedule, trained three times (cross-entropy, ARB-Loss with batch counts, ARB-Loss with global counts)
    /// from the shipped configs <c>configs/fashion-mnist-lt/*.yaml</c>; then a side-by-side table and the comparison
    /// files. Without Fashion-MNIST (not found, not downloadable) it says so in one line and runs the same three losses
    /// on the built-in synthetic benchmark (<c>configs/synthetic-lt/*.yaml</c>).
    /// </summary>
    public sealed class MainJobRunner
    {
        /// <summary>The three losses, in table order.</summary>
        public static IReadOnlyList<string> Losses { get; } = new[] { "cross_entropy", "arb_batch", "arb_global" };

        private readonly MainJobOptions _options;
        private readonly IAnsiConsole _console;
        private readonly TextWriter _error;

        /// <summary>Prepares the job.</summary>
        /// <param name="options">Settings.</param>
        /// <param name="console">Where progress and the table go.</param>
        /// <param name="error">Where the one-line fallback notice goes (standard error).</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public MainJobRunner(MainJobOptions options, IAnsiConsole console, TextWriter error)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _console = console ?? throw new ArgumentNullException(nameof(console));
            _error = error ?? throw new ArgumentNullException(nameof(error));
        }

        /// <summary>Whether the last <see cref="Run"/> ran the synthetic benchmark (asked for, or as the fallback).</summary>
        public bool UsedSynthetic { get; private set; }

        /// <summary>Whether the last <see cref="Run"/> fell back to the synthetic benchmark because Fashion-MNIST could be
        /// neither found nor downloaded (the command line then exits with <see cref="SyntheticFallbackExitCode"/>).</summary>
        public bool FellBack { get; private set; }

        /// <summary>The exit code of a main job that ran the synthetic fallback instead of the real data: 3.</summary>
        public const int SyntheticFallbackExitCode = 3;

        /// <summary>Loads the three configs of a benchmark folder with the job's overrides.</summary>
        /// <param name="benchmark"><c>fashion-mnist-lt</c> or <c>synthetic-lt</c>.</param>
        /// <returns>The configs in <see cref="Losses"/> order.</returns>
        /// <exception cref="ConfigException">A shipped config is missing or an override is invalid.</exception>
        public IReadOnlyList<TrainingConfig> Configs(string benchmark)
        {
            var overrides = new List<string>();
            if (_options.Seed is long seed) overrides.Add($"seed={seed}");
            if (!string.IsNullOrWhiteSpace(_options.DataDir) && benchmark == "fashion-mnist-lt") overrides.Add($"data_path='{_options.DataDir!.Replace("'", "''")}'");
            overrides.AddRange(_options.Overrides);
            return Losses.Select(loss => ConfigLoader.LoadFile(ShippedConfigs.Resolve($"{benchmark}/{loss}.yaml"), overrides)).ToArray();
        }

        /// <summary>Runs the job.</summary>
        /// <param name="cancellationToken">Stops the run in progress (its last checkpoint stays).</param>
        /// <returns>The three runs' results.</returns>
        /// <exception cref="ConfigException">A shipped config is missing or an override is invalid.</exception>
        /// <exception cref="OperationCanceledException">The job was stopped.</exception>
        public IReadOnlyList<RunResults> Run(CancellationToken cancellationToken = default)
        {
            var device = DeviceSelector.Resolve(_options.Device);
            var downloads = new Downloader(new ConsoleDownloadProgress(_error, !Console.IsErrorRedirected));
            var data = new DataContext(downloads, new ConsoleLogWriter(_console), _options.AllowDownload, _options.CacheRoot);

            CheckDataDir();
            var benchmark = "fashion-mnist-lt";
            var configs = Configs(benchmark);
            UsedSynthetic = _options.ForceSynthetic;
            FellBack = false;
            var fashion = new FashionMnistProvider(_options.SystemDataFolders);
            if (!UsedSynthetic)
            {
                try
                {
                    fashion.Prepare(configs[0].DataPath, data);
                }
                catch (DatasetUnavailableException e)
                {
                    _error.WriteLine($"{CliLine(e.Message)} Running the built-in synthetic long-tailed benchmark instead.");
                    UsedSynthetic = true;
                    FellBack = true;
                }
            }
            if (UsedSynthetic)
            {
                benchmark = "synthetic-lt";
                configs = Configs(benchmark);
            }

            configs = RunFolders(configs);
            _console.MarkupLine(Markup.Escape($"Main job: {benchmark}, three losses ({string.Join(", ", Losses)}), {ConsoleReporter.Count(configs[0].NumEpochs, "epoch")} each, on {device}; output in {Path.GetFullPath(_options.OutputDir)}"));
            var results = new List<RunResults>();
            foreach (var config in configs)
            {
                if (cancellationToken.IsCancellationRequested) throw Interrupted(config, results, null, null, started: false);
                var reporter = new ConsoleReporter(_console, resumeHint: ResumeHint);
                var trainer = new Trainer(config, new TrainerOptions
                {
                    OutputDir = RunFolder(config), Device = device, Observer = reporter, Data = data,
                    WritePlots = _options.WritePlots, Cancellation = cancellationToken, Dataset = UsedSynthetic ? null : fashion,
                    ExistingRun = _options.ExistingRun, ResumeHint = ResumeHint,
                });
                RunResults result;
                try
                {
                    result = reporter.Run(trainer.Run);
                }
                catch (RunInterruptedException e)
                {
                    throw Interrupted(config, results, null, e);
                }
                results.Add(result);
                if (!result.Completed) throw Interrupted(config, results, result, null);
            }

            var title = $"{results[0].Dataset}: {string.Join(" vs ", Losses)} ({ConsoleReporter.Count(configs[0].NumEpochs, "epoch")}, seed {configs[0].Seed})";
            if (FellBack) title = "SYNTHETIC FALLBACK, not Fashion-MNIST: " + title;
            ComparisonReport.Print(_console, title, results);
            foreach (var line in ComparisonReport.Findings(results)) _console.MarkupLine(Markup.Escape(line));
            var files = ComparisonReport.Write(_options.OutputDir, title, results, syntheticFallback: FellBack);
            _console.MarkupLine(Markup.Escape($"Runs: {string.Join(", ", configs.Select(c => Path.Combine(_options.OutputDir, c.Name)))}; comparison: {string.Join(", ", files)}"));
            return results;
        }

        private static string CliLine(string message) => message.ReplaceLineEndings(" ").Trim();

        /// <summary>How the user continues the job after Ctrl+C.</summary>
        private const string ResumeHint = "--resume (and the same options)";

        private string RunFolder(TrainingConfig config) => Path.Combine(_options.OutputDir, config.Name);

        /// <summary>An explicit <c>--data</c> folder must exist: it is never passed over for another copy of the data or
        /// for the synthetic fallback.</summary>
        /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
        private void CheckDataDir()
        {
            if (string.IsNullOrWhiteSpace(_options.DataDir) || Directory.Exists(_options.DataDir)) return;
            var what = File.Exists(_options.DataDir) ? "is a file, not a folder" : "does not exist";
            throw new DirectoryNotFoundException($"--data {_options.DataDir}: the folder {what}; give the folder holding the four Fashion-MNIST idx .gz files, or leave --data out to use {FashionMnistProvider.DebianFolder} or the download cache.");
        }

        /// <summary>Each run's folder under <c>--out</c>: with <c>--resume</c> a run with a checkpoint there continues from
        /// it; without, a folder holding a run stops the job before anything trains (unless <c>--force</c>).</summary>
        /// <exception cref="RunExistsException">A run's folder holds a run, and neither --resume nor --force was given.</exception>
        private IReadOnlyList<TrainingConfig> RunFolders(IReadOnlyList<TrainingConfig> configs)
        {
            var result = new List<TrainingConfig>();
            foreach (var config in configs)
            {
                var paths = new RunPaths(RunFolder(config), config.ModelDir);
                if (_options.Resume && File.Exists(paths.LastCheckpoint))
                {
                    result.Add(config with
                    {
                        Resume = paths.OutputDir,
                        Origins = new Dictionary<string, string>(config.Origins, StringComparer.Ordinal) { ["resume"] = $"--resume ({paths.OutputDir})" },
                    });
                    continue;
                }
                var files = paths.ExistingRunFiles();
                if (files.Count > 0 && _options.ExistingRun == ExistingRunPolicy.Refuse)
                    throw new RunExistsException(paths.OutputDir, files, _options.Resume
                        ? $"{paths.OutputDir} holds {string.Join(", ", files)} but no checkpoint to continue from; start that run over with --force (moves the old files aside; add --delete-old to delete them)."
                        : $"{paths.OutputDir} already holds a run ({string.Join(", ", files)}); continue the main job with --resume, or start over with --force (moves the old runs to NAME.old-<time> beside them; add --delete-old to delete them instead).");
                result.Add(config);
            }
            return result;
        }

        /// <summary>The one line for a job stopped by Ctrl+C: what each run kept and how to continue.</summary>
        private RunInterruptedException Interrupted(TrainingConfig stopped, IReadOnlyList<RunResults> finished, RunResults? partial, RunInterruptedException? nothingSaved, bool started = true)
        {
            var complete = finished.Where(r => r.Completed).Select(r => r.Name).ToArray();
            var done = complete.Length == 0 ? "" : $"; {string.Join(" and ", complete)} {(complete.Length == 1 ? "is" : "are")} complete";
            if (!started)
                return new RunInterruptedException($"stopped before {stopped.Name} started{done}; continue the main job with {ResumeHint}.", 0, default);
            if (partial is not null)
                return new RunInterruptedException($"{stopped.Name} stopped after epoch {partial.Epochs} of {partial.NumEpochs} (its checkpoint is in {RunFolder(stopped)}){done}; " +
                    $"continue the main job with {ResumeHint}.", partial.Epochs, nothingSaved?.CancellationToken ?? default);
            bool anySaved = complete.Length > 0 || !string.IsNullOrWhiteSpace(stopped.Resume);
            var how = anySaved ? $"continue the main job with {ResumeHint}" : "run the same command again to start it";
            var what = string.IsNullOrWhiteSpace(stopped.Resume)
                ? $"{stopped.Name} was stopped before its first epoch finished, so nothing of it was saved"
                : $"{stopped.Name} was stopped before its next epoch finished; its checkpoint in {RunFolder(stopped)} is unchanged";
            return new RunInterruptedException($"{what}{done}; {how}.", 0, nothingSaved?.CancellationToken ?? default);
        }
    }
}
