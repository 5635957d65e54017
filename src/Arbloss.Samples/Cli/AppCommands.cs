using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.IO;
using Arbloss.Samples.MainJob;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Training;
using Spectre.Console;
using TorchSharp;

namespace Arbloss.Samples.Cli
{
    /// <summary>
    /// The command line: no command runs the main job; <c>train</c>, <c>evaluate</c> and <c>configs</c> are the
    /// commands. Every command has <c>--help</c>; failures print one line on standard error and exit non-zero
    /// (see <see cref="CliErrors"/> for which code).
    /// </summary>
    public static class AppCommands
    {
        /// <summary>Parses <paramref name="args"/> and runs the command, as the program does: a command-line mistake found
        /// while parsing is one line on <paramref name="error"/> (with a "did you mean" for a misspelt command or option)
        /// and exit code <see cref="CliErrors.Usage"/>.</summary>
        /// <param name="args">The arguments.</param>
        /// <param name="console">Where progress and tables go; null for the terminal.</param>
        /// <param name="error">Where failures go; null for standard error.</param>
        /// <param name="environment">Ctrl+C, cache and data folders; null for the real ones.</param>
        /// <returns>The exit code: 0, 1 (failure), 2 (command-line mistake), 3 (the main job ran the synthetic fallback) or 130 (interrupted).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="args"/> is null.</exception>
        public static int Run(IReadOnlyList<string> args, IAnsiConsole? console = null, TextWriter? error = null, AppEnvironment? environment = null)
        {
            ArgumentNullException.ThrowIfNull(args);
            var err = error ?? Console.Error;
            var parsed = Build(console, err, environment).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                err.WriteLine("error: " + ParseErrors.Describe(parsed));
                return CliErrors.Usage;
            }
            return parsed.Invoke(new InvocationConfiguration { Output = environment?.HelpOutput ?? Console.Out, Error = err });
        }

        /// <summary>Builds the root command.</summary>
        /// <param name="console">Where progress and tables go; null for the terminal.</param>
        /// <param name="error">Where failures go; null for standard error.</param>
        /// <param name="environment">Ctrl+C, cache and data folders; null for the real ones.</param>
        /// <returns>The root command, ready for <c>Parse(args).Invoke()</c> (see <see cref="Run"/> for the error line).</returns>
        public static RootCommand Build(IAnsiConsole? console = null, TextWriter? error = null, AppEnvironment? environment = null)
        {
            var ansi = console ?? AnsiConsole.Console;
            var err = error ?? Console.Error;
            var env = environment ?? new AppEnvironment();

            var root = new RootCommand(
                "ARB-Loss samples: long-tailed classification recipes on TorchSharp. With no command, runs the main job: " +
                "Fashion-MNIST-LT (imbalance 0.01) trained with cross-entropy, ARB-Loss (batch counts) and ARB-Loss (global counts), then compared.");
            var mainOut = new Option<string>("--out") { Description = "Folder for the three runs and the comparison", DefaultValueFactory = _ => "runs" };
            var mainData = new Option<string?>("--data") { Description = "Folder with the Fashion-MNIST idx .gz files (default: /usr/share/datasets/fashion-mnist, then the download cache)" };
            var mainSeed = new Option<long?>("--seed") { Description = "Seed for all three runs (default: the configs' seed, 0)" };
            var synthetic = new Option<bool>("--synthetic") { Description = "Run the built-in synthetic benchmark instead of Fashion-MNIST" };
            var noDownload = new Option<bool>("--no-download") { Description = "Never download data" };
            var device = DeviceOption();
            var sets = SetOption();
            var threads = ThreadsOption();
            var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots" };
            var resume = new Option<bool>("--resume") { Description = "Continue the three runs in --out, each from its own folder (a run without a checkpoint starts afresh)" };
            var (force, deleteOld) = ForceOptions("the runs' folders already hold runs");
            foreach (var option in new Option[] { mainOut, mainData, mainSeed, synthetic, noDownload, device, sets, threads, noPlots, resume, force, deleteOld })
                root.Options.Add(option);
            AddForceValidator(root, force, deleteOld);
            root.Validators.Add(result =>
            {
                if (result.GetValue(resume) && result.GetValue(force))
                    result.AddError("--resume continues the runs in --out and --force starts them over: give one of them.");
            });
            root.SetAction(parse => CliErrors.Run(() =>
            {
                ApplyThreads(parse.GetValue(threads));
                var overrides = parse.GetValue(sets) ?? Array.Empty<string>();
                if (overrides.FirstOrDefault(o => o.Split('=', 2)[0].Trim() == "resume") is string bad)
                    throw new CommandLineException($"--set {bad}: the main job's --set applies to all three runs, which each continue from their own folder; use --resume instead.");
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(env.Stop);
                using var hook = CliErrors.OnCtrlC(cancel, err);
                var runner = new MainJobRunner(new MainJobOptions
                {
                    OutputDir = parse.GetValue(mainOut) ?? "runs", DataDir = parse.GetValue(mainData), Device = parse.GetValue(device) ?? "auto",
                    Seed = parse.GetValue(mainSeed), Overrides = overrides,
                    ForceSynthetic = parse.GetValue(synthetic), AllowDownload = !parse.GetValue(noDownload), WritePlots = !parse.GetValue(noPlots),
                    Resume = parse.GetValue(resume), ExistingRun = Policy(parse.GetValue(force), parse.GetValue(deleteOld)),
                    SystemDataFolders = env.FashionMnistFolders, CacheRoot = env.CacheRoot,
                }, ansi, err);
                runner.Run(cancel.Token);
                // A script must not take the synthetic fallback for the real job.
                return runner.FellBack ? MainJobRunner.SyntheticFallbackExitCode : 0;
            }, err));

            root.Subcommands.Add(TrainCommand(ansi, err, env));
            root.Subcommands.Add(EvaluateCommand(ansi, err, env));
            root.Subcommands.Add(ConfigsCommand(ansi, err));
            return root;
        }

        private static (Option<bool> Force, Option<bool> DeleteOld) ForceOptions(string where) => (
            new Option<bool>("--force") { Description = $"Start over when {where}: the old run's files are moved to a sibling folder NAME.old-TIME" },
            new Option<bool>("--delete-old") { Description = "With --force: delete the old run's files instead of moving them aside" });

        private static void AddForceValidator(Command command, Option<bool> force, Option<bool> deleteOld) =>
            command.Validators.Add(result =>
            {
                if (result.GetValue(deleteOld) && !result.GetValue(force))
                    result.AddError("--delete-old goes with --force (--force --delete-old deletes the old run; --force alone moves it aside).");
            });

        private static ExistingRunPolicy Policy(bool force, bool deleteOld) =>
            !force ? ExistingRunPolicy.Refuse : deleteOld ? ExistingRunPolicy.Delete : ExistingRunPolicy.MoveAside;

        private static Option<string> DeviceOption()
        {
            var option = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N (auto: CUDA when available)", DefaultValueFactory = _ => "auto" };
            option.Validators.Add(result =>
            {
                if (DeviceSelector.Problem(result.GetValueOrDefault<string>()) is string problem) result.AddError(problem);
            });
            return option;
        }

        private static Option<string[]> SetOption()
        {
            var option = new Option<string[]>("--set") { Description = "Override a config key, e.g. --set lr=0.05 --set head_class_idx=[0,3] (repeatable)", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (token.Value.IndexOf('=') <= 0)
                    {
                        result.AddError($"--set {token.Value}: expected KEY=VALUE, e.g. --set lr=0.05.");
                        return;
                    }
            });
            return option;
        }

        /// <summary>Turns yacs-style trailing <c>KEY VALUE</c> pairs (the authors' <c>train_stage1.py --cfg FILE KEY VALUE</c>)
        /// into <c>KEY=VALUE</c> overrides.</summary>
        /// <param name="tokens">The trailing tokens, an even number.</param>
        /// <returns>One override per pair.</returns>
        /// <exception cref="CommandLineException">The number of tokens is odd, or a key is empty, holds '=' or is an option.</exception>
        internal static IEnumerable<string> YacsPairs(IReadOnlyList<string> tokens)
        {
            if (YacsProblem(tokens, null) is string problem) throw new CommandLineException(problem);
            var pairs = new List<string>();
            for (int i = 0; i < tokens.Count; i += 2) pairs.Add(tokens[i] + "=" + tokens[i + 1]);
            return pairs;
        }

        /// <summary>What is wrong with trailing pairs: a key that looks like an option (a misspelt one, with a
        /// suggestion from <paramref name="command"/>), a key that is not a word, or a key without a value.</summary>
        private static string? YacsProblem(IReadOnlyList<string> tokens, Command? command)
        {
            for (int i = 0; i < tokens.Count; i += 2)
            {
                var key = tokens[i];
                if (key.StartsWith('-'))
                    return command is null ? $"unknown option '{key}'." : ParseErrors.UnknownOption(key, command);
                if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal))
                    return $"trailing key-value pairs: '{key}' is not a config key; give KEY VALUE pairs (e.g. lr 0.05) or use --set KEY=VALUE.";
            }
            if (tokens.Count % 2 != 0)
                return $"trailing key-value pairs: '{tokens[^1]}' has no value; give KEY VALUE pairs (e.g. lr 0.05) or use --set KEY=VALUE.";
            return null;
        }

        private static Option<int?> ThreadsOption() => new("--threads")
        {
            Description = "CPU threads for tensor operations, at least 1 (default: all cores)",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(" ", result.Tokens.Select(t => t.Value));
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    result.AddError($"--threads {text}: expected a whole number of threads, at least 1.");
                    return null;
                }
                if (n < 1)
                {
                    result.AddError($"--threads {text}: must be at least 1.");
                    return null;
                }
                return n;
            },
        };

        private static void ApplyThreads(int? threads)
        {
            if (threads is int n) torch.set_num_threads(n);
        }

        private static Command TrainCommand(IAnsiConsole ansi, TextWriter err, AppEnvironment env)
        {
            var command = new Command("train", "Train one configuration (the authors' single-stage recipe) and write results, log, checkpoints and plots.");
            var config = new Option<string>("--config", "--cfg") { Description = "A YAML config: a file (the authors' config/*.yaml load as they are), or a shipped one such as cifar10-lt/imb0.01_arb_batch (see 'configs')", Required = true };
            var sets = SetOption();
            var opts = new Argument<string[]>("KEY VALUE") { Description = "Trailing key-value pairs, as the authors' train_stage1.py --cfg FILE KEY VALUE ...: each pair acts as --set KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
            var output = new Option<string?>("--out") { Description = "Output folder (default: the folder of the run that resume continues, else log_dir/name from the config)" };
            var device = DeviceOption();
            var threads = ThreadsOption();
            var noDownload = new Option<bool>("--no-download") { Description = "Never download data" };
            var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots" };
            var (force, deleteOld) = ForceOptions("the output folder already holds a run");
            foreach (var option in new Option[] { config, sets, output, device, threads, noDownload, noPlots, force, deleteOld }) command.Options.Add(option);
            command.Arguments.Add(opts);
            opts.Validators.Add(result =>
            {
                if (YacsProblem(result.Tokens.Select(t => t.Value).ToArray(), command) is string problem) result.AddError(problem);
            });
            AddForceValidator(command, force, deleteOld);
            command.SetAction(parse => CliErrors.Run(() =>
            {
                ApplyThreads(parse.GetValue(threads));
                var overrides = (parse.GetValue(sets) ?? Array.Empty<string>()).Concat(YacsPairs(parse.GetValue(opts) ?? Array.Empty<string>())).ToArray();
                var cfg = ConfigLoader.LoadFile(ShippedConfigs.Resolve(parse.GetValue(config)!), overrides);
                var policy = Policy(parse.GetValue(force), parse.GetValue(deleteOld));
                CheckForceAgainstResume(cfg, parse.GetValue(output), policy);
                if (cfg.IgnoredKeys.Count > 0)
                    ansi.MarkupLine(Markup.Escape($"note: the authors' keys {string.Join(", ", cfg.IgnoredKeys)} have no effect here (distributed or stage-2 training); ignored"));
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(env.Stop);
                using var hook = CliErrors.OnCtrlC(cancel, err);
                var reporter = new ConsoleReporter(ansi);
                var trainerOptions = new TrainerOptions
                {
                    OutputDir = parse.GetValue(output), Device = DeviceSelector.Resolve(parse.GetValue(device)), Observer = reporter,
                    Data = DataContextFor(ansi, err, !parse.GetValue(noDownload), env), WritePlots = !parse.GetValue(noPlots), Cancellation = cancel.Token,
                    ExistingRun = policy,
                };
                if (SegmentationTrainer.Handles(cfg))
                {
                    // A segmentation dataset: every pixel a sample, mIoU instead of top-1.
                    var segmentation = new SegmentationTrainer(cfg, trainerOptions);
                    var outcome = reporter.Run(segmentation.Run);
                    if (outcome.Completed) return 0;
                    err.WriteLine($"interrupted: {cfg.Name} stopped after epoch {outcome.Epochs} of {outcome.NumEpochs}; its checkpoint is {segmentation.Paths.LastCheckpoint}; resume with --set resume={segmentation.Paths.OutputDir}");
                    return CliErrors.Interrupted;
                }
                var trainer = new Trainer(cfg, trainerOptions);
                var results = reporter.Run(trainer.Run);
                if (results.Completed) return 0;
                err.WriteLine($"interrupted: {cfg.Name} stopped after epoch {results.Epochs} of {results.NumEpochs}; its checkpoint is {trainer.Paths.LastCheckpoint}; resume with --set resume={trainer.Paths.OutputDir}");
                return CliErrors.Interrupted;
            }, err));
            return command;
        }

        /// <summary>--force would move aside the very run that resume continues: a contradiction on the command line.</summary>
        private static void CheckForceAgainstResume(TrainingConfig cfg, string? output, ExistingRunPolicy policy)
        {
            if (policy == ExistingRunPolicy.Refuse || string.IsNullOrWhiteSpace(cfg.Resume)) return;
            var from = RunPaths.ResolveResume(cfg.Resume, cfg.ModelDir);
            if (File.Exists(from) && RunPaths.For(cfg, output).Owns(from))
                throw new CommandLineException($"--force starts the run in {RunPaths.For(cfg, output).OutputDir} over, but resume={cfg.Resume} continues it: drop --force to continue, or drop resume to start over.");
        }

        private static Command EvaluateCommand(IAnsiConsole ansi, TextWriter err, AppEnvironment env)
        {
            var command = new Command("evaluate", "Evaluate a checkpoint on the config's test set: top-1, top-5, many / medium / few, ECE, per-class accuracy.");
            var config = new Option<string>("--config", "--cfg") { Description = "The YAML config the checkpoint was trained with", Required = true };
            var checkpoint = new Option<string>("--checkpoint") { Description = "A .ckpt file (e.g. runs/NAME/checkpoints/best.ckpt) or a run folder", Required = true };
            var sets = SetOption();
            var output = new Option<string?>("--out") { Description = "Also write evaluation.json into this folder" };
            var device = DeviceOption();
            var threads = ThreadsOption();
            var noDownload = new Option<bool>("--no-download") { Description = "Never download data" };
            foreach (var option in new Option[] { config, checkpoint, sets, output, device, threads, noDownload }) command.Options.Add(option);
            command.SetAction(parse => CliErrors.Run(() =>
            {
                ApplyThreads(parse.GetValue(threads));
                var cfg = ConfigLoader.LoadFile(ShippedConfigs.Resolve(parse.GetValue(config)!), parse.GetValue(sets));
                var dev = DeviceSelector.Resolve(parse.GetValue(device));
                var folder = parse.GetValue(output);
                if (folder is not null && File.Exists(folder))
                    throw new IOException($"--out {folder}: is a file, not a folder; give a folder for evaluation.json (it is created when missing).");
                var given = parse.GetValue(checkpoint)!;
                var path = RunPaths.ResolveResume(given, cfg.ModelDir);
                if (!File.Exists(path))
                    throw new FileNotFoundException(Directory.Exists(given)
                        ? $"--checkpoint {given}: the folder holds no checkpoint (looked for {string.Join(", ", RunPaths.Candidates(given, cfg.ModelDir))}); give a .ckpt file or a run folder with checkpoints/last.ckpt."
                        : $"--checkpoint {given}: no such file or folder; give a .ckpt file or a run folder with checkpoints/last.ckpt.", given);
                var splits = Trainer.LoadData(cfg, DataContextFor(ansi, err, !parse.GetValue(noDownload), env));
                if (splits.IsDense && splits.TrainPixelCounts is { } pixelCounts)
                {
                    using var dense = Trainer.CreateModel(cfg, splits.Train.SampleShape, loadPretrained: false);
                    var denseState = Checkpoint.LoadModel(path, dense);
                    dense.to(dev);
                    var report = SegmentationTrainer.Evaluate(dense, splits.Test, dev, SegmentationTrainer.ShotGroupsFor(cfg, pixelCounts), cfg.BatchSize, cfg.Workers);
                    PrintSegmentation(ansi, $"{path} (epoch {denseState.EpochsCompleted}, {denseState.Loss}) on {splits.Id} test, {splits.Test.Count:N0} images, {report.Pixels:N0} pixels", report);
                    if (folder is not null)
                    {
                        var file = Path.Combine(folder, "evaluation.json");
                        AtomicFile.WriteAllText(file, Json.Serialize(new
                        {
                            checkpoint = Path.GetFullPath(path), denseState.Name, denseState.Loss, dataset = splits.Id, denseState.EpochsCompleted,
                            metrics = new { miou = report.MeanIoU, report.PixelAccuracy, report.MeanClassAccuracy, frequency_weighted_iou = report.FrequencyWeightedIoU, many_miou = report.ManyShotMeanIoU, medium_miou = report.MediumShotMeanIoU, few_miou = report.FewShotMeanIoU, per_class_iou = report.PerClassIoU, report.Pixels },
                        }));
                        ansi.MarkupLine(Markup.Escape($"Wrote {file}"));
                    }
                    return 0;
                }
                // The same network as training built it (bf16 included), so the numbers match training's evaluation.
                using var model = Trainer.CreateModel(cfg, splits.Train.SampleShape, loadPretrained: false);
                var state = Checkpoint.LoadModel(path, model);
                model.to(dev);
                var summary = Evaluator.Evaluate(model, splits.Test, dev, Trainer.ShotGroupsFor(cfg, splits.TrainClassCounts), Trainer.EvalBatchSize(cfg), cfg.Workers);
                PrintEvaluation(ansi, $"{path} (epoch {state.EpochsCompleted}, {state.Loss}) on {splits.Id} test, {summary.Samples:N0} images", summary, splits.ClassNames);
                if (folder is not null)
                {
                    var file = Path.Combine(folder, "evaluation.json");
                    AtomicFile.WriteAllText(file, Json.Serialize(new { checkpoint = Path.GetFullPath(path), state.Name, state.Loss, dataset = splits.Id, state.EpochsCompleted, metrics = summary }));
                    ansi.MarkupLine(Markup.Escape($"Wrote {file}"));
                }
                return 0;
            }, err));
            return command;
        }

        private static void PrintEvaluation(IAnsiConsole ansi, string title, EvaluationSummary s, IReadOnlyList<string> classNames)
        {
            static string G(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in new[] { "top-1", "top-5", "many", "medium", "few", "ECE" }) table.AddColumn(new TableColumn(column).RightAligned());
            table.AddRow(G(s.Top1), G(s.Top5), G(s.Many), G(s.Medium), G(s.Few), G(s.Ece));
            ConsoleReporter.WriteTable(ansi, title, table);
            // Class names where the dataset has them (e.g. Fashion-MNIST's), else the index.
            string Name(int i) => i < classNames.Count && classNames[i] != i.ToString(CultureInfo.InvariantCulture) ? $"{i} {classNames[i]}" : i.ToString(CultureInfo.InvariantCulture);
            var perClass = string.Join(", ", s.PerClassAccuracy.Select((a, i) => $"{Name(i)}: {G(a)}"));
            ansi.MarkupLine(Markup.Escape($"per-class accuracy: {perClass}"));
        }

        private static void PrintSegmentation(IAnsiConsole ansi, string title, Arbloss.Losses.Diagnostics.SegmentationReport r)
        {
            static string G(double? v) => v is double x ? (100 * x).ToString("F2", CultureInfo.InvariantCulture) : "-";
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in new[] { "mIoU", "pixel acc", "mean class acc", "FW-IoU", "many", "medium", "few" }) table.AddColumn(new TableColumn(column).RightAligned());
            table.AddRow(G(r.MeanIoU), G(r.PixelAccuracy), G(r.MeanClassAccuracy), G(r.FrequencyWeightedIoU), G(r.ManyShotMeanIoU), G(r.MediumShotMeanIoU), G(r.FewShotMeanIoU));
            ConsoleReporter.WriteTable(ansi, title, table);
            ansi.MarkupLine(Markup.Escape($"per-class IoU: {string.Join(", ", r.PerClassIoU.Select((v, i) => $"{i}: {G(v)}"))}"));
        }

        private static Command ConfigsCommand(IAnsiConsole ansi, TextWriter err)
        {
            var command = new Command("configs", "List the shipped configs (one line each); with --keys, the config keys, losses and samplers.");
            var keys = new Option<bool>("--keys") { Description = "List every config key, loss and sampler instead" };
            command.Options.Add(keys);
            command.SetAction(parse => CliErrors.Run(() =>
            {
                if (parse.GetValue(keys))
                {
                    ansi.MarkupLine("[bold]Config keys[/] (the authors' keys plus extensions):");
                    foreach (var (key, description) in ConfigKeys.All) ansi.MarkupLine(Markup.Escape($"  {key,-31} {description}"));
                    ansi.MarkupLine(Markup.Escape($"  accepted, no effect here (the authors' distributed and stage-2 keys): {string.Join(", ", ConfigKeys.Ignored)}"));
                    ansi.MarkupLine("[bold]Losses[/] (loss: NAME, loss_options: {option: value}):");
                    foreach (var line in LossFactory.Describe()) ansi.MarkupLine(Markup.Escape("  " + line));
                    ansi.MarkupLine("[bold]Samplers[/] (sampler: NAME):");
                    foreach (var line in SamplerFactory.Describe()) ansi.MarkupLine(Markup.Escape("  " + line));
                    ansi.MarkupLine("[bold]Datasets[/] (dataset: NAME):");
                    foreach (var provider in DatasetRegistry.All) ansi.MarkupLine(Markup.Escape($"  {provider.Name}: {provider.Description}"));
                    return 0;
                }
                var list = ShippedConfigs.List();
                if (list.Count == 0) throw new DirectoryNotFoundException($"No shipped configs found in {ShippedConfigs.Folder}.");
                int width = list.Max(e => e.RelativePath.Length);
                foreach (var (path, description) in list) ansi.MarkupLine(Markup.Escape($"{path.PadRight(width)}  {description}"));
                ansi.MarkupLine(Markup.Escape($"({list.Count} configs in {ShippedConfigs.Folder}; train one with: train --config {list[0].RelativePath})"));
                return 0;
            }, err));
            return command;
        }

        private static DataContext DataContextFor(IAnsiConsole ansi, TextWriter err, bool allowDownload, AppEnvironment env) =>
            new(new Downloader(new ConsoleDownloadProgress(err, !Console.IsErrorRedirected)), new ConsoleLogWriter(ansi), allowDownload, env.CacheRoot);
    }
}
