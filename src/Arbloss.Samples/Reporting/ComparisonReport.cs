using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Arbloss.Samples.IO;
using ScottPlot;
using Spectre.Console;

namespace Arbloss.Samples.Reporting
{
    /// <summary>Side-by-side comparison of several runs: a console table, <c>comparison.md</c>, <c>comparison.json</c> and
    /// <c>comparison.png</c> (grouped bars of top-1 and many / medium / few accuracy per loss).</summary>
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

        /// <summary>Writes <c>comparison.md</c>, <c>comparison.json</c> and <c>comparison.png</c> into <paramref name="folder"/>.</summary>
        /// <param name="folder">The folder holding the runs.</param>
        /// <param name="title">Title of the plot and the Markdown file.</param>
        /// <param name="runs">The runs.</param>
        /// <returns>The paths written.</returns>
        /// <exception cref="IOException">A file cannot be written.</exception>
        public static IReadOnlyList<string> Write(string folder, string title, IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(runs);
            var md = Path.Combine(folder, "comparison.md");
            var json = Path.Combine(folder, "comparison.json");
            var png = Path.Combine(folder, "comparison.png");
            AtomicFile.WriteAllText(md, $"# {title}\n\n{Markdown(runs)}");
            AtomicFile.WriteAllText(json, Json.Serialize(runs.Select(r => new
            {
                r.Name, r.Dataset, r.Loss, r.Seed, r.Epochs, r.Top1, r.Top5, r.Many, r.Medium, r.Few, r.Ece, r.Seconds, r.ImagesPerSecond,
            }).ToArray()));
            RunPlots.Save(Plot(title, runs), png, 1000, 600);
            return new[] { md, json, png };
        }

        private static Plot Plot(string title, IReadOnlyList<RunResults> runs)
        {
            var plot = new Plot();
            var metrics = new (string Label, Func<RunResults, double?> Value)[]
            {
                ("top-1", r => r.Top1), ("many", r => r.Many), ("medium", r => r.Medium), ("few", r => r.Few),
            };
            int n = runs.Count;
            double width = 0.8 / Math.Max(1, n);
            for (int k = 0; k < n; k++)
            {
                var bars = new List<Bar>();
                for (int m = 0; m < metrics.Length; m++)
                {
                    if (metrics[m].Value(runs[k]) is not double v) continue;
                    bars.Add(new Bar
                    {
                        Position = m - 0.4 + width * (k + 0.5), Value = v, Size = width * 0.95, FillColor = RunPlots.Palette(k),
                        Label = v.ToString("F1", CultureInfo.InvariantCulture),
                    });
                }
                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = runs[k].Loss;
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, metrics.Length).Select(i => (double)i).ToArray(), metrics.Select(m => m.Label).ToArray());
            plot.Axes.SetLimits(-0.6, metrics.Length - 0.4, 0, 105);
            plot.YLabel("test accuracy (%)");
            plot.Title(title);
            plot.ShowLegend(Edge.Right);
            return plot;
        }
    }
}
