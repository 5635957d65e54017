using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Arbloss.Samples.IO;
using ScottPlot;
using SkiaSharp;

namespace Arbloss.Samples.Reporting
{
    /// <summary>
    /// The main job's story in pictures, one PNG each, the losses side by side in one colour each:
    /// <c>comparison.png</c> (top-1 and many / medium / few accuracy), <c>comparison_gradient_balance.png</c>
    /// (repulsion / attraction ratio of each class against its training count, log scales),
    /// <c>comparison_per_class.png</c> (test accuracy of each class, by name), <c>comparison_epochs.png</c> (top-1 and
    /// few-shot accuracy per epoch) and <c>comparison_reliability.png</c> (the reliability diagrams side by side).
    /// </summary>
    public static class ComparisonPlots
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        /// <summary>Writes the five PNGs into <paramref name="folder"/> (atomically).</summary>
        /// <param name="folder">Destination folder.</param>
        /// <param name="title">The comparison's title (it names the dataset, and says when it is the synthetic fallback).</param>
        /// <param name="runs">The runs, in display order.</param>
        /// <returns>The paths written.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="IOException">A file cannot be written.</exception>
        public static IReadOnlyList<string> Write(string folder, string title, IReadOnlyList<RunResults> runs)
        {
            ArgumentNullException.ThrowIfNull(folder);
            ArgumentNullException.ThrowIfNull(title);
            ArgumentNullException.ThrowIfNull(runs);
            var written = new List<string>
            {
                RunPlots.Save(Accuracy(title, runs), Path.Combine(folder, "comparison.png"), 1000, 600),
            };
            if (runs.Any(r => r.RepulsionOverAttractionByEpoch.Count > 0))
                written.Add(RunPlots.Save(GradientBalance(title, runs), Path.Combine(folder, "comparison_gradient_balance.png"), 1000, 650));
            written.Add(RunPlots.Save(PerClass(title, runs), Path.Combine(folder, "comparison_per_class.png"), 1200, 650));
            if (runs.Any(r => r.History.Count > 0))
                written.Add(RunPlots.Save(Epochs(title, runs), Path.Combine(folder, "comparison_epochs.png"), 1000, 600));
            written.Add(SideBySide(runs.Select(r => RunPlots.Reliability(r, $"{r.Dataset}, {r.Loss}")).ToArray(), Path.Combine(folder, "comparison_reliability.png"), 600, 560));
            return written;
        }

        /// <summary>Grouped bars of top-1 and many / medium / few accuracy per loss, y axis 0-100.</summary>
        internal static Plot Accuracy(string title, IReadOnlyList<RunResults> runs)
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
                        Label = v.ToString("F1", Inv),
                    });
                }
                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = runs[k].Loss;
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, metrics.Length).Select(i => (double)i).ToArray(), metrics.Select(m => m.Label).ToArray());
            plot.Axes.SetLimits(-0.6, metrics.Length - 0.4, 0, 108);
            plot.YLabel("test accuracy (%)");
            Title(plot, "test accuracy, overall and by shot group", title);
            plot.ShowLegend(Edge.Right);
            return plot;
        }

        /// <summary>Repulsion / attraction of each class against its training count, both on log scales: the first epoch
        /// (solid, where the imbalance acts on an untrained classifier) and the last (dashed); the grey line marks
        /// balance (ratio 1).</summary>
        internal static Plot GradientBalance(string title, IReadOnlyList<RunResults> runs)
        {
            var plot = new Plot();
            var allX = new List<double>();
            var allY = new List<double>();
            for (int k = 0; k < runs.Count; k++)
            {
                var r = runs[k];
                if (r.RepulsionOverAttractionByEpoch.Count == 0) continue;
                var epochs = new List<(IReadOnlyList<double?> Ratio, string Label, bool Dashed)> { (r.FirstEpochRatio, "epoch 1", false) };
                if (r.RepulsionOverAttractionByEpoch.Count > 1) epochs.Add((r.LastEpochRatio, $"epoch {r.RepulsionOverAttractionByEpoch.Count}", true));
                foreach (var (ratio, label, dashed) in epochs)
                {
                    var idx = Enumerable.Range(0, Math.Min(ratio.Count, r.TrainClassCounts.Count))
                        .Where(i => ratio[i] is double v && v > 0 && r.TrainClassCounts[i] > 0).ToArray();
                    if (idx.Length == 0) continue;
                    var xs = idx.Select(i => Math.Log10(r.TrainClassCounts[i])).ToArray();
                    var ys = idx.Select(i => Math.Log10(ratio[i]!.Value)).ToArray();
                    allX.AddRange(xs);
                    allY.AddRange(ys);
                    var line = plot.Add.Scatter(xs, ys, RunPlots.Palette(k));
                    line.LegendText = $"{r.Loss}, {label}";
                    line.LineWidth = 2;
                    line.MarkerSize = dashed ? 5 : 8;
                    if (dashed) line.LinePattern = LinePattern.Dashed;
                }
            }
            if (allX.Count > 0)
            {
                double x0 = allX.Min() - 0.2, x1 = allX.Max() + 0.2;
                var balanced = plot.Add.Line(x0, 0, x1, 0);
                balanced.LineColor = Colors.Gray;
                balanced.LineWidth = 3;
                balanced.LegendText = "balanced (repulsion = attraction)";
                RunPlots.LogTicks(plot.Axes.Bottom, allX.ToArray());
                RunPlots.LogTicks(plot.Axes.Left, allY.Append(0).ToArray());
                plot.Axes.SetLimitsX(x0, x1);
            }
            Title(plot, "repulsion / attraction on each class's classifier row", title);
            plot.XLabel("training images of the class (log scale)");
            plot.YLabel("repulsion / attraction (log scale)");
            plot.ShowLegend(Edge.Right);
            return plot;
        }

        /// <summary>Test accuracy of each class, grouped bars per class (named, with its shot group), y axis 0-100.</summary>
        internal static Plot PerClass(string title, IReadOnlyList<RunResults> runs)
        {
            var plot = new Plot();
            int c = runs.Count == 0 ? 0 : runs[0].PerClassAccuracy.Count;
            int n = runs.Count;
            double width = 0.8 / Math.Max(1, n);
            for (int k = 0; k < n; k++)
            {
                var bars = new List<Bar>();
                for (int i = 0; i < Math.Min(c, runs[k].PerClassAccuracy.Count); i++)
                    if (runs[k].PerClassAccuracy[i] is double v)
                        bars.Add(new Bar { Position = i - 0.4 + width * (k + 0.5), Value = v, Size = width * 0.95, FillColor = RunPlots.Palette(k) });
                var plottable = plot.Add.Bars(bars);
                plottable.LegendText = runs[k].Loss;
            }
            if (c > 0 && c <= 40)
            {
                var first = runs[0];
                var labels = Enumerable.Range(0, c).Select(i =>
                    $"{(i < first.ClassNames.Count ? first.ClassNames[i] : i.ToString(Inv))}\n{GroupOf(first, i)}\n{(i < first.TrainClassCounts.Count ? first.TrainClassCounts[i] : 0).ToString("N0", Inv)}").ToArray();
                plot.Axes.Bottom.SetTicks(Enumerable.Range(0, c).Select(i => (double)i).ToArray(), labels);
                plot.Axes.Bottom.TickLabelStyle.FontSize = c <= 12 ? 11 : 9;
            }
            plot.Axes.SetLimits(-0.6, c - 0.4, 0, 105);
            plot.YLabel("test accuracy (%)");
            Title(plot, "per-class test accuracy (classes by training count, largest first)", title);
            plot.ShowLegend(Edge.Right);
            return plot;
        }

        /// <summary>Top-1 (solid) and few-shot (dashed) test accuracy per epoch of each loss; integer epochs, y axis 0-100.</summary>
        internal static Plot Epochs(string title, IReadOnlyList<RunResults> runs)
        {
            var plot = new Plot();
            int maxEpoch = 1;
            for (int k = 0; k < runs.Count; k++)
            {
                var history = runs[k].History;
                if (history.Count == 0) continue;
                maxEpoch = Math.Max(maxEpoch, history.Max(h => h.Epoch));
                var top1 = plot.Add.Scatter(history.Select(h => (double)h.Epoch).ToArray(), history.Select(h => h.Top1).ToArray(), RunPlots.Palette(k));
                top1.LegendText = $"{runs[k].Loss} top-1";
                top1.LineWidth = 2;
                top1.MarkerSize = 5;
                var fewPoints = history.Where(h => h.Few is double).ToArray();
                if (fewPoints.Length == 0) continue;
                var few = plot.Add.Scatter(fewPoints.Select(h => (double)h.Epoch).ToArray(), fewPoints.Select(h => h.Few!.Value).ToArray(), RunPlots.Palette(k));
                few.LegendText = $"{runs[k].Loss} few-shot";
                few.LineWidth = 2;
                few.MarkerSize = 5;
                few.LinePattern = LinePattern.Dashed;
            }
            RunPlots.EpochTicks(plot, maxEpoch);
            plot.Axes.SetLimitsY(0, 100);
            plot.XLabel("epoch");
            plot.YLabel("test accuracy (%)");
            Title(plot, "top-1 (solid) and few-shot (dashed) test accuracy per epoch", title);
            plot.ShowLegend(Edge.Right);
            return plot;
        }

        /// <summary>A two-line title: what the plot shows, then the comparison it belongs to.</summary>
        internal static void Title(Plot plot, string subject, string comparison)
        {
            plot.Title($"{subject}\n{comparison}");
            plot.Axes.Title.Label.FontSize = 14;
        }

        /// <summary>The shot group of class <paramref name="i"/> in a run's results ("many", "medium", "few", or "").</summary>
        internal static string GroupOf(RunResults run, int i) => RunPlots.GroupOf(run.ShotGroups, i);

        /// <summary>Renders plots next to each other into one PNG, written atomically.</summary>
        private static string SideBySide(IReadOnlyList<Plot> plots, string path, int width, int height)
        {
            var info = new SKImageInfo(Math.Max(1, plots.Count) * width, height);
            using var surface = SKSurface.Create(info);
            surface.Canvas.Clear(SKColors.White);
            for (int k = 0; k < plots.Count; k++)
            {
                using var image = SKImage.FromEncodedData(plots[k].GetImageBytes(width, height, ImageFormat.Png));
                surface.Canvas.DrawImage(image, k * width, 0);
            }
            using var snapshot = surface.Snapshot();
            using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
            AtomicFile.Write(path, s => data.SaveTo(s));
            return path;
        }
    }
}
