using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Arbloss.Samples.IO;
using Spectre.Console;

namespace Arbloss.Samples.Reporting
{
    /// <summary>Side-by-side comparison of several runs: a console table, <c>comparison.md</c> (the table, sentences computed
    /// from the numbers, a per-class table), <c>comparison.json</c> (every number the plots show) and the PNGs of
    /// <see cref="ComparisonPlots"/>.</summary>
    public static class ComparisonReport
    {
        /// <summary>The column headers of the comparison table.</summary>
        public static IReadOnlyList<string> Columns { get; } = new[] { "loss", "top-1", "many", "medium", "few", "ECE", "time" };

        /// <summary>The table's rows as text (accuracies and ECE in percent with 2 decimals).</summary>
        /// <param name="runs">The runs, in display order.</param>
        /// <returns>One row of cells per run.</returns>
        public static IReadOnlyList<string[]> Rows(IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(runs);
            static string F(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
            return runs.Select(r => new[] { r.Loss, F(r.Top1), F(r.Many), F(r.Medium), F(r.Few), F(r.Ece), ConsoleReporter.Duration(r.Seconds) }).ToArray();
        }

        /// <summary>Prints the table.</summary>
        /// <param name="console">Where to print.</param>
        /// <param name="title">Table title.</param>
        /// <param name="runs">The runs.</param>
        public static void Print(IAnsiConsole console, string title, IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(console);
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
            table.AddColumn(new TableColumn(Columns[0]));
            foreach (var column in Columns.Skip(1)) table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var row in Rows(runs)) table.AddRow(row.Select(Markup.Escape).ToArray());
            console.Write(table);
        }

        /// <summary>The table as Markdown.</summary>
        /// <param name="runs">The runs.</param>
        /// <returns>A Markdown table.</returns>
        public static string Markdown(IReadOnlyList<RunResults> runs)
        {
            var text = new StringBuilder();
            text.Append("| ").Append(string.Join(" | ", Columns)).Append(" |\n");
            text.Append("|---").Append(string.Concat(Enumerable.Repeat("|---:", Columns.Count - 1))).Append("|\n");
            foreach (var row in Rows(runs)) text.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
            return text.ToString();
        }

        /// <summary>The per-class table as Markdown: name, training count, shot group, then test accuracy and
        /// repulsion / attraction (R/A) in the first and the last epoch of every loss.</summary>
        /// <param name="runs">The runs (all on the same dataset).</param>
        /// <returns>A Markdown table, or an empty string without runs.</returns>
        public static string PerClassMarkdown(IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(runs);
            if (runs.Count == 0) return "";
            static string F(double? v, string format) => v is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
            var first = runs[0];
            var text = new StringBuilder();
            text.Append("| class | name | training images | group | ")
                .Append(string.Join(" | ", runs.Select(r => $"accuracy {r.Loss}"))).Append(" | ")
                .Append(string.Join(" | ", runs.Select(r => $"R/A epoch 1 {r.Loss}"))).Append(" | ")
                .Append(string.Join(" | ", runs.Select(r => $"R/A last {r.Loss}"))).Append(" |\n");
            text.Append("|---:|---|---:|---|").Append(string.Concat(Enumerable.Repeat("---:|", 3 * runs.Count))).Append('\n');
            for (int i = 0; i < first.PerClassAccuracy.Count; i++)
            {
                var name = i < first.ClassNames.Count ? first.ClassNames[i] : i.ToString(CultureInfo.InvariantCulture);
                long count = i < first.TrainClassCounts.Count ? first.TrainClassCounts[i] : 0;
                text.Append($"| {i} | {name} | {count.ToString("N0", CultureInfo.InvariantCulture)} | {ComparisonPlots.GroupOf(first, i)} | ")
                    .Append(string.Join(" | ", runs.Select(r => F(i < r.PerClassAccuracy.Count ? r.PerClassAccuracy[i] : null, "F2")))).Append(" | ")
                    .Append(string.Join(" | ", runs.Select(r => F(i < r.FirstEpochRatio.Count ? r.FirstEpochRatio[i] : null, "F2")))).Append(" | ")
                    .Append(string.Join(" | ", runs.Select(r => F(i < r.LastEpochRatio.Count ? r.LastEpochRatio[i] : null, "F2")))).Append(" |\n");
            }
            return text.ToString();
        }

        /// <summary>Sentences computed from the numbers: the mean repulsion / attraction over the few-shot (tail) classes
        /// per loss, and each loss's top-1 and few-shot accuracy against the first run's.</summary>
        /// <param name="runs">The runs; the first is the baseline (cross-entropy in the main job).</param>
        /// <returns>The sentences (none for a group or value that is missing).</returns>
        public static IReadOnlyList<string> Findings(IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(runs);
            var lines = new List<string>();
            if (runs.Count == 0) return lines;
            var baseline = runs[0];
            var tail = baseline.ShotGroups.TryGetValue("few", out var few) ? few : Array.Empty<int>();
            if (tail.Count > 0)
            {
                var names = string.Join(", ", tail.Select(i => i < baseline.ClassNames.Count ? baseline.ClassNames[i] : i.ToString(CultureInfo.InvariantCulture)));
                foreach (var (label, ratio) in new (string, Func<RunResults, IReadOnlyList<double?>>)[] { ("first epoch", r => r.FirstEpochRatio), ("last epoch", r => r.LastEpochRatio) })
                {
                    var means = runs.Select(r => (r.Loss, Mean: TailMean(ratio(r), tail))).ToArray();
                    if (means.All(m => m.Mean is null)) continue;
                    lines.Add($"Mean repulsion / attraction over the {tail.Count} few-shot classes ({names}), {label}: " +
                        string.Join(", ", means.Select(m => $"{m.Loss} {(m.Mean is double v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-")}")) +
                        " (1 = balanced; above 1 the tail rows are pushed away more than pulled).");
                }
            }
            foreach (var run in runs.Skip(1))
            {
                var sentence = $"{run.Loss} against {baseline.Loss}: top-1 {Signed(run.Top1 - baseline.Top1)} points";
                if (run.Few is double f && baseline.Few is double bf) sentence += $", few-shot {Signed(f - bf)}";
                if (run.Many is double m && baseline.Many is double bm) sentence += $", many-shot {Signed(m - bm)}";
                lines.Add(sentence + $", ECE {Signed(run.Ece - baseline.Ece)}.");
            }
            return lines;
        }

        /// <summary>The mean of <paramref name="ratio"/> over <paramref name="classes"/>, or null when none is defined.</summary>
        /// <param name="ratio">Repulsion / attraction per class (e.g. <see cref="RunResults.FirstEpochRatio"/>).</param>
        /// <param name="classes">Class indices.</param>
        /// <returns>The mean, or null.</returns>
        public static double? TailMean(IReadOnlyList<double?> ratio, IReadOnlyList<int> classes)
        {
            ArgumentNullException.ThrowIfNull(ratio);
            ArgumentNullException.ThrowIfNull(classes);
            var values = classes.Where(i => i < ratio.Count && ratio[i] is not null).Select(i => ratio[i]!.Value).ToArray();
            return values.Length == 0 ? null : values.Average();
        }

        private static string Signed(double v) => (v >= 0 ? "+" : "") + v.ToString("F2", CultureInfo.InvariantCulture);

        /// <summary>Writes <c>comparison.md</c>, <c>comparison.json</c> and the comparison PNGs (<see cref="ComparisonPlots"/>)
        /// into <paramref name="folder"/>.</summary>
        /// <param name="folder">The folder holding the runs.</param>
        /// <param name="title">Title of the plots and the Markdown file.</param>
        /// <param name="runs">The runs.</param>
        /// <param name="syntheticFallback">Whether these runs are the synthetic fallback, not the real data; said in the
        /// JSON (<c>synthetic_fallback</c>) and expected in <paramref name="title"/>.</param>
        /// <returns>The paths written.</returns>
        /// <exception cref="IOException">A file cannot be written.</exception>
        public static IReadOnlyList<string> Write(string folder, string title, IReadOnlyList<RunResults> runs, bool syntheticFallback = false)
        {
            ArgumentNullException.ThrowIfNull(runs);
            var md = Path.Combine(folder, "comparison.md");
            var json = Path.Combine(folder, "comparison.json");
            var findings = Findings(runs);
            var text = new StringBuilder();
            text.Append($"# {title}\n\n{Markdown(runs)}\n");
            foreach (var line in findings) text.Append("- ").Append(line).Append('\n');
            text.Append("\n## Per class\n\n").Append(PerClassMarkdown(runs));
            AtomicFile.WriteAllText(md, text.ToString());
            AtomicFile.WriteAllText(json, Json.Serialize(new
            {
                Title = title,
                SyntheticFallback = syntheticFallback,
                Findings = findings,
                Runs = runs.Select(r => new
                {
                    r.Name, r.Dataset, r.Loss, r.Seed, r.Epochs, r.Top1, r.Top5, r.Many, r.Medium, r.Few, r.Ece, r.Seconds, r.ImagesPerSecond,
                    r.ClassNames, r.TrainClassCounts, r.TestClassCounts, r.ShotGroups, r.PerClassAccuracy, r.RepulsionOverAttractionByEpoch,
                    TailRepulsionOverAttractionFirstEpoch = TailMean(r.FirstEpochRatio, r.ShotGroups.TryGetValue("few", out var f) ? f : Array.Empty<int>()),
                    TailRepulsionOverAttractionLastEpoch = TailMean(r.LastEpochRatio, f ?? Array.Empty<int>()),
                    History = r.History.Select(h => new { h.Epoch, h.Top1, h.Many, h.Medium, h.Few, h.Ece }).ToArray(),
                    r.Reliability,
                }).ToArray(),
            }));
            var pngs = ComparisonPlots.Write(folder, title, runs);
            return new[] { md, json }.Concat(pngs).ToArray();
        }
    }
}
