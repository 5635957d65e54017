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
    /// commands. Every command has <c>--help</c>; failures print one line on standard error and exit non-zero.
    /// </summary>
    public static class AppCommands
    {
        /// <summary>Builds the root command.</summary>
        /// <param name="console">Where progress and tables go; null for the terminal.</param>
        /// <param name="error">Where failures go; null for standard error.</param>
        /// <returns>The root command, ready for <c>Parse(args).Invoke()</c>.</returns>
        public static RootCommand Build(IAnsiConsole? console = null, TextWriter? error = null)
        {
            var ansi = console ?? AnsiConsole.Console;
            var err = error ?? Console.Error;

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
            foreach (var option in new Option[] { mainOut, mainData, mainSeed, synthetic, noDownload, device, sets, threads, noPlots })
                root.Options.Add(option);
            root.SetAction(parse => CliErrors.Run(() =>
            {
                ApplyThreads(parse.GetValue(threads));
                using var cancel = new CancellationTokenSource();
                using var hook = CliErrors.OnCtrlC(cancel, err);
                var runner = new MainJobRunner(new MainJobOptions
                {
                    OutputDir = parse.GetValue(mainOut) ?? "runs", DataDir = parse.GetValue(mainData), Device = parse.GetValue(device) ?? "auto",
                    Seed = parse.GetValue(mainSeed), Overrides = parse.GetValue(sets) ?? Array.Empty<string>(),
                    ForceSynthetic = parse.GetValue(synthetic), AllowDownload = !parse.GetValue(noDownload), WritePlots = !parse.GetValue(noPlots),
                }, ansi, err);
                runner.Run(cancel.Token);
                // A script must not take the synthetic fallback for the real job.
                return runner.FellBack ? MainJobRunner.SyntheticFallbackExitCode : 0;
            }, err));

            root.Subcommands.Add(TrainCommand(ansi, err));
            root.Subcommands.Add(EvaluateCommand(ansi, err));
            root.Subcommands.Add(ConfigsCommand(ansi, err));
            return root;
        }

        private static Option<string> DeviceOption() =>
            new("--device") { Description = "auto | cpu | cuda | cuda:N (auto: CUDA when available)", DefaultValueFactory = _ => "auto" };

        private static Option<string[]> SetOption() =>
            new("--set") { Description = "Override a config key, e.g. --set lr=0.05 --set head_class_idx=[0,3] (repeatable)", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };

        /// <summary>Turns yacs-style trailing <c>KEY VALUE</c> pairs (the authors' <c>train_stage1.py --cfg FILE KEY VALUE</c>)
        /// into <c>KEY=VALUE</c> overrides.</summary>
        /// <param name="tokens">The trailing tokens, an even number.</param>
        /// <returns>One override per pair.</returns>
        /// <exception cref="ArgumentException">The number of tokens is odd, or a key is empty or holds '='.</exception>
        internal static IEnumerable<string> YacsPairs(IReadOnlyList<string> tokens)
        {
            if (tokens.Count % 2 != 0)
                throw new ArgumentException($"trailing key-value pairs: '{tokens[^1]}' has no value; give KEY VALUE pairs (e.g. lr 0.05) or use --set KEY=VALUE.");
            var pairs = new List<string>();
            for (int i = 0; i < tokens.Count; i += 2)
            {
                var key = tokens[i];
                if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.StartsWith('-'))
                    throw new ArgumentException($"trailing key-value pairs: '{key}' is not a config key; give KEY VALUE pairs (e.g. lr 0.05) or use --set KEY=VALUE.");
                pairs.Add(key + "=" + tokens[i + 1]);
            }
            return pairs;
        }

        private static Option<int?> ThreadsOption() =>
            new("--threads") { Description = "CPU threads for tensor operations (default: all cores)" };

        private static void ApplyThreads(int? threads)
        {
            if (threads is int n)
            {
                if (n < 1) throw new ArgumentException($"--threads {n}: must be at least 1.");
                torch.set_num_threads(n);
            }
        }

        private static Command TrainCommand(IAnsiConsole ansi, TextWriter err)
        {
            var command = new Command("train", "Train one configuration (the authors' single-stage recipe) and write results, log, checkpoints and plots.");
            var config = new Option<string>("--config", "--cfg") { Description = "A YAML config: a file (the authors' config/*.yaml load as they are), or a shipped one such as cifar10-lt/imb0.01_arb_batch (see 'configs')", Required = true };
            var sets = SetOption();
            var opts = new Argument<string[]>("KEY VALUE") { Description = "Trailing key-value pairs, as the authors' train_stage1.py --cfg FILE KEY VALUE ...: each pair acts as --set KEY=VALUE", Arity = ArgumentArity.ZeroOrMore };
            var output = new Option<string?>("--out") { Description = "Output folder (default: log_dir/name from the config)" };
            var device = DeviceOption();
            var threads = ThreadsOption();
            var noDownload = new Option<bool>("--no-download") { Description = "Never download data" };
            var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots" };
            foreach (var option in new Option[] { config, sets, output, device, threads, noDownload, noPlots }) command.Options.Add(option);
            command.Arguments.Add(opts);
            command.SetAction(parse => CliErrors.Run(() =>
            {
                ApplyThreads(parse.GetValue(threads));
                var overrides = (parse.GetValue(sets) ?? Array.Empty<string>()).Concat(YacsPairs(parse.GetValue(opts) ?? Array.Empty<string>())).ToArray();
                var cfg = ConfigLoader.LoadFile(ShippedConfigs.Resolve(parse.GetValue(config)!), overrides);
                if (cfg.IgnoredKeys.Count > 0)
                    ansi.MarkupLine(Markup.Escape($"note: the authors' keys {string.Join(", ", cfg.IgnoredKeys)} have no effect here (distributed or stage-2 training); ignored"));
                using var cancel = new CancellationTokenSource();
                using var hook = CliErrors.OnCtrlC(cancel, err);
                var reporter = new ConsoleReporter(ansi);
                var trainer = new Trainer(cfg, new TrainerOptions
                {
                    OutputDir = parse.GetValue(output), Device = DeviceSelector.Resolve(parse.GetValue(device)), Observer = reporter,
                    Data = DataContextFor(ansi, err, !parse.GetValue(noDownload)), WritePlots = !parse.GetValue(noPlots), Cancellation = cancel.Token,
                });
                var results = reporter.Run(trainer.Run);
                return results.Completed ? 0 : CliErrors.Interrupted;
            }, err));
            return command;
        }

        private static Command EvaluateCommand(IAnsiConsole ansi, TextWriter err)
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
                var path = RunPaths.ResolveResume(parse.GetValue(checkpoint)!);
                var splits = Trainer.LoadData(cfg, DataContextFor(ansi, err, !parse.GetValue(noDownload)));
                // The same network as training built it (bf16 included), so the numbers match training's evaluation.
                using var model = Trainer.CreateModel(cfg, splits.Train.SampleShape, loadPretrained: false);
                var state = Checkpoint.LoadModel(path, model);
                model.to(dev);
                var summary = Evaluator.Evaluate(model, splits.Test, dev, Trainer.ShotGroupsFor(cfg, splits.TrainClassCounts), Trainer.EvalBatchSize(cfg), cfg.Workers);
                PrintEvaluation(ansi, $"{path} (epoch {state.EpochsCompleted}, {state.Loss}) on {splits.Id} test, {summary.Samples:N0} images", summary);
                if (parse.GetValue(output) is string folder)
                {
                    var file = Path.Combine(folder, "evaluation.json");
                    AtomicFile.WriteAllText(file, Json.Serialize(new { checkpoint = Path.GetFullPath(path), state.Name, state.Loss, dataset = splits.Id, state.EpochsCompleted, metrics = summary }));
                    ansi.MarkupLine(Markup.Escape($"Wrote {file}"));
                }
                return 0;
            }, err));
            return command;
        }

        private static void PrintEvaluation(IAnsiConsole ansi, string title, EvaluationSummary s)
        {
            static string G(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
            foreach (var column in new[] { "top-1", "top-5", "many", "medium", "few", "ECE" }) table.AddColumn(new TableColumn(column).RightAligned());
            table.AddRow(G(s.Top1), G(s.Top5), G(s.Many), G(s.Medium), G(s.Few), G(s.Ece));
            ansi.Write(table);
            var perClass = string.Join("  ", s.PerClassAccuracy.Select((a, i) => $"{i}:{G(a)}"));
            ansi.MarkupLine(Markup.Escape($"per-class accuracy: {perClass}"));
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

        private static DataContext DataContextFor(IAnsiConsole ansi, TextWriter err, bool allowDownload) =>
            new(new Downloader(new ConsoleDownloadProgress(err, !Console.IsErrorRedirected)), new ConsoleLogWriter(ansi), allowDownload);
    }
}
