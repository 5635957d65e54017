using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Spectre.Console;

namespace Arbloss.Samples.Reporting
{
    /// <summary>
    /// Shows a run's progress on the console: a header, a live progress bar (epoch, loss, accuracy, images/s, ETA)
    /// when the console is interactive, one line per finished epoch, and a results table. When output is redirected it
    /// prints plain progress lines every <c>print_freq</c> batches instead of the live bar, and a plain header line
    /// instead of a rule drawn across the page (so that a file or pipe receives no padding).
    /// </summary>
    public sealed class ConsoleReporter : ITrainingObserver
    {
        private readonly IAnsiConsole _console;
        private readonly bool _interactive;
        private ProgressContext? _context;
        private ProgressTask? _task;
        private RunInfo? _info;
        private readonly Stopwatch _clock = new();
        private long _batchesDone;
        private long _batchesPlanned;
        private readonly string? _resumeHint;

        /// <summary>Creates a reporter.</summary>
        /// <param name="console">Where to write; null for <see cref="AnsiConsole.Console"/>.</param>
        /// <param name="interactive">Live progress bar (true) or plain lines; null to ask the console.</param>
        /// <param name="resumeHint">How the user continues a stopped run (e.g. the main job's <c>--resume</c>); null for
        /// <c>--set resume=OUTPUT_DIR</c>.</param>
        public ConsoleReporter(IAnsiConsole? console = null, bool? interactive = null, string? resumeHint = null)
        {
            _console = console ?? AnsiConsole.Console;
            _interactive = interactive ?? (_console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected);
            _resumeHint = resumeHint;
        }

        /// <summary>Runs <paramref name="work"/> (a training run) with the live progress display around it.</summary>
        /// <typeparam name="T">The work's result.</typeparam>
        /// <param name="work">The run.</param>
        /// <returns>What <paramref name="work"/> returned.</returns>
        public T Run<T>(Func<T> work)
        {
            ArgumentNullException.ThrowIfNull(work);
            if (!_interactive) return work();
            return _console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(),
                    new RemainingTimeColumn())
                .Start(ctx =>
                {
                    _context = ctx;
                    try
                    {
                        return work();
                    }
                    finally
                    {
                        _task?.StopTask();
                        _context = null;
                        _task = null;
                    }
                });
        }

        /// <inheritdoc />
        public void RunStarted(RunInfo info)
        {
            ArgumentNullException.ThrowIfNull(info);
            _info = info;
            _clock.Restart();
            _batchesDone = 0;
            _batchesPlanned = (long)Math.Max(0, info.NumEpochs - info.FirstEpoch + 1) * info.BatchesPerEpoch;
            if (_interactive) _console.Write(new Rule($"[bold]{Markup.Escape(info.Name)}[/]") { Justification = Justify.Left });
            else _console.MarkupLine($"[bold]== {Markup.Escape(info.Name)}[/]");
            var rows = new (string Label, string Text)[]
            {
                ("data", $"{info.Dataset}: {info.TrainSamples:N0} training images ({Counts(info)}), {info.TestSamples:N0} test images"),
                ("model", $"{info.Backbone}, {info.Parameters:N0} parameters, loss {info.Loss}, on {info.Device}"),
                ("epochs", (info.FirstEpoch > 1 ? $"{info.FirstEpoch}..{info.NumEpochs} (resumed)" : $"{info.NumEpochs}") + $", {info.BatchesPerEpoch} batches each"),
                ("output", info.OutputDir),
            };
            if (_interactive)
            {
                var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
                foreach (var (label, text) in rows) grid.AddRow($"[grey]{label}[/]", Markup.Escape(text));
                _console.Write(grid);
            }
            else
            {
                // Plain lines: a grid pads every cell to its column's width.
                foreach (var (label, text) in rows) _console.MarkupLine($"[grey]{label,-6}[/] {Markup.Escape(text)}");
            }
            if (_context is not null && _batchesPlanned > 0)
                _task = _context.AddTask(Markup.Escape(info.Name), maxValue: _batchesPlanned);
        }

        private static string Counts(RunInfo info)
        {
            var counts = info.TrainClassCounts;
            if (counts.Count == 0) return "no classes";
            var shown = counts.Count <= 10 ? string.Join(", ", counts.Select(c => c.ToString(CultureInfo.InvariantCulture)))
                : $"{counts[0]}, {counts[1]}, ..., {counts[^1]}";
            return info.ClassCountUnit == "images" ? $"per class {shown}" : $"{info.ClassCountUnit} per class {shown}";
        }

        /// <inheritdoc />
        public void EpochStarted(int epoch, int batches, double lr)
        {
            if (_task is not null) _task.Description = Markup.Escape($"epoch {epoch}/{_info?.NumEpochs} lr {lr:G3}");
        }

        /// <inheritdoc />
        public void BatchCompleted(BatchProgress progress)
        {
            ArgumentNullException.ThrowIfNull(progress);
            _batchesDone++;
            if (_task is not null)
            {
                _task.Increment(1);
                if (progress.Fresh || progress.Batch == 1)
                    _task.Description = Markup.Escape($"epoch {progress.Epoch}/{_info?.NumEpochs} loss {Show(progress.Loss, "F3")} acc {Show(progress.Accuracy, "F1")}% {progress.ImagesPerSecond:N0} img/s");
            }
            else if (progress.Fresh && progress.Batch < progress.Batches)
            {
                _console.WriteLine($"  epoch {progress.Epoch}/{_info?.NumEpochs} [{progress.Batch}/{progress.Batches}] loss {Show(progress.Loss, "F4")} acc {Show(progress.Accuracy, "F2")}% {progress.ImagesPerSecond:N0} img/s ETA {Eta()}");
            }
        }

        private string Eta()
        {
            if (_batchesDone == 0 || _batchesPlanned <= _batchesDone) return "-";
            var remaining = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / _batchesDone * (_batchesPlanned - _batchesDone));
            return remaining.TotalHours >= 1 ? remaining.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : remaining.ToString(@"m\:ss", CultureInfo.InvariantCulture);
        }

        private static string Show(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

        /// <inheritdoc />
        public void EpochCompleted(EpochRecord record, bool isBest)
        {
            ArgumentNullException.ThrowIfNull(record);
            static string G(double? v) => v is double x ? x.ToString("F1", CultureInfo.InvariantCulture) : "-";
            var line = $"epoch {record.Epoch,3}/{_info?.NumEpochs} lr {record.Lr:G3}  loss {Show(record.TrainLoss, "F3")}  train {Show(record.TrainTop1, "F1")}%  " +
                       $"top-1 {record.Top1:F2}  top-5 {record.Top5:F2}  many {G(record.Many)}  med {G(record.Medium)}  few {G(record.Few)}  ECE {record.Ece:F2}  " +
                       $"{record.ImagesPerSecond:N0} img/s  {record.Seconds:F1} s";
            _console.MarkupLine(Markup.Escape(line) + (isBest ? " [green]best[/]" : ""));
        }

        /// <inheritdoc />
        public void RunCompleted(RunResults results)
        {
            ArgumentNullException.ThrowIfNull(results);
            _task?.StopTask();
            static string G(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var column in new[] { "top-1", "top-5", "many", "medium", "few", "ECE", "best top-1", "time", "img/s" })
                table.AddColumn(new TableColumn(column).RightAligned());
            table.AddRow(G(results.Top1), G(results.Top5), G(results.Many), G(results.Medium), G(results.Few), G(results.Ece),
                $"{results.BestTop1:F2} (ep {results.BestEpoch})", Duration(results.Seconds), results.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
            WriteTable(_console, $"{results.Name}: {results.Dataset}, {results.Loss}", table, _interactive);
            if (!results.Completed)
                _console.MarkupLine(Markup.Escape($"Stopped after epoch {results.Epochs} of {results.NumEpochs} (its checkpoint is kept); resume with {_resumeHint ?? $"--set resume={_info?.OutputDir}"}"));
            _console.MarkupLine(Markup.Escape($"Results: {_info?.OutputDir}"));
        }

        /// <inheritdoc />
        public void Message(string line) => _console.MarkupLine(Markup.Escape(line ?? ""));

        /// <summary>Writes a table with its title: over the table on an interactive console, as a plain line above it
        /// otherwise (a title centred over a narrow table would be padded, and wrapped when longer than the table).</summary>
        /// <param name="console">Where to write.</param>
        /// <param name="title">The title, plain text.</param>
        /// <param name="table">The table, without a title.</param>
        /// <param name="interactive">Whether the console is a terminal; null to ask it.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static void WriteTable(IAnsiConsole console, string title, Table table, bool? interactive = null)
        {
            ArgumentNullException.ThrowIfNull(console);
            ArgumentNullException.ThrowIfNull(title);
            ArgumentNullException.ThrowIfNull(table);
            if (interactive ?? console.Profile.Capabilities.Interactive) table.Title(Markup.Escape(title));
            else console.MarkupLine(Markup.Escape(title));
            console.Write(table);
        }

        /// <summary>A count with its noun, singular or plural: <c>1 epoch</c>, <c>3 epochs</c>.</summary>
        /// <param name="count">The number.</param>
        /// <param name="noun">The singular noun; the plural adds "s".</param>
        /// <returns>The text.</returns>
        public static string Count(long count, string noun) =>
            $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

        /// <summary>Formats seconds as <c>1m 23s</c> or <c>45.6 s</c>.</summary>
        /// <param name="seconds">Seconds.</param>
        /// <returns>The text.</returns>
        public static string Duration(double seconds) =>
            seconds >= 3600 ? $"{(int)(seconds / 3600)}h {(int)(seconds % 3600 / 60):D2}m"
            : seconds >= 60 ? $"{(int)(seconds / 60)}m {(int)(seconds % 60):D2}s"
            : $"{seconds.ToString("F1", CultureInfo.InvariantCulture)} s";
    }
}
