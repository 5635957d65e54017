using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.IO;
using ScottPlot;

namespace Arbloss.Samples.Reporting
{
    /// <summary>
    /// Draws a run's PNG plots with ScottPlot: <c>accuracy.png</c> (test top-1 and many / medium / few per epoch, with
    /// training top-1), <c>per_class_accuracy.png</c> (test accuracy of each class against its training count, log
    /// scale), <c>reliability.png</c> (reliability diagram of the last epoch) and, when collected,
    /// <c>gradient_balance.png</c> (heatmap of the last epoch's attraction / repulsion norms). Files are written atomically.
    /// </summary>
    public static class RunPlots
    {
        private const int Width = 900, Height = 600;

        /// <summary>Writes the plots of a run.</summary>
        /// <param name="folder">Destination folder (created).</param>
        /// <param name="results">The run's results.</param>
        /// <param name="history">Every epoch's log row.</param>
        /// <param name="balance">The last epoch's gradient balance, or null.</param>
        /// <param name="classNames">Class names, for the heatmap axes (used when there are at most 20 classes).</param>
        /// <returns>The paths written.</returns>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="IOException">A file cannot be written.</exception>
        public static IReadOnlyList<string> Write(string folder, RunResults results, IReadOnlyList<EpochRecord> history,
            GradientBalanceEpoch? balance, IReadOnlyList<string> classNames)
        {
            ArgumentNullException.ThrowIfNull(folder);
            ArgumentNullException.ThrowIfNull(results);
            ArgumentNullException.ThrowIfNull(history);
            ArgumentNullException.ThrowIfNull(classNames);
            var written = new List<string>();
            // Each thing once: the run's name is its folder; the title says dataset and loss.
            var title = $"{results.Dataset}, {results.Loss}";
            if (history.Count > 0) written.Add(Save(AccuracyCurves(history, title), Path.Combine(folder, "accuracy.png")));
            written.Add(Save(PerClass(results, title), Path.Combine(folder, "per_class_accuracy.png")));
            written.Add(Save(Reliability(results, title), Path.Combine(folder, "reliability.png")));
            if (balance is not null) written.Add(Save(Heatmap(balance, classNames, title), Path.Combine(folder, "gradient_balance.png")));
            return written;
        }

        /// <summary>Renders a plot to PNG and writes it atomically.</summary>
        /// <param name="plot">The plot.</param>
        /// <param name="path">Destination.</param>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <returns><paramref name="path"/>.</returns>
        /// <exception cref="IOException">The file cannot be written.</exception>
        public static string Save(Plot plot, string path, int width = Width, int height = Height)
        {
            ArgumentNullException.ThrowIfNull(plot);
            var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
            AtomicFile.Write(path, s => s.Write(bytes, 0, bytes.Length));
            return path;
        }

        private static Plot AccuracyCurves(IReadOnlyList<EpochRecord> history, string title)
        {
            var plot = new Plot();
            var epochs = history.Select(r => (double)r.Epoch).ToArray();
            void Line(string label, Func<EpochRecord, double?> value, int colour, bool dashed = false)
            {
                var points = history.Where(r => value(r) is double).ToArray();
                if (points.Length == 0) return;
                var line = plot.Add.Scatter(points.Select(r => (double)r.Epoch).ToArray(), points.Select(r => value(r)!.Value).ToArray(), Palette(colour));
                line.LegendText = label;
                line.LineWidth = 2;
                line.MarkerSize = history.Count <= 30 ? 5 : 0;
                if (dashed) line.LinePattern = LinePattern.Dashed;
            }
            Line("test top-1", r => r.Top1, 0);
            Line("many", r => r.Many, 1);
            Line("medium", r => r.Medium, 2);
            Line("few", r => r.Few, 3);
            Line("train top-1", r => r.TrainTop1, 7, dashed: true);
            plot.Title($"{title}: test accuracy per epoch");
            plot.XLabel("epoch");
            plot.YLabel("accuracy (%)");
            EpochTicks(plot, (int)epochs.Max());
            plot.Axes.SetLimitsY(0, 100);
            plot.Axes.SetLimitsX(epochs.Min() - 0.5, epochs.Max() + 0.5);
            plot.ShowLegend(Alignment.LowerRight);
            return plot;
        }

        private static Plot PerClass(RunResults results, string title) =>
            PerClassScatter(results.TrainClassCounts, results.PerClassAccuracy, results.ClassNames, results.ShotGroups,
                $"{title}: per-class test accuracy", "training images of the class (log scale)", "test accuracy (%)");

        /// <summary>
        /// Each class's value against its training count (log scale), many / medium / few told apart by colour (the same
        /// colours as the groups' curves), names beside the markers for up to 20 classes. Classes with no training samples
        /// or no value are left out.
        /// </summary>
        internal static Plot PerClassScatter(IReadOnlyList<long> trainCounts, IReadOnlyList<double?> values, IReadOnlyList<string> names,
            IReadOnlyDictionary<string, IReadOnlyList<int>> shotGroups, string title, string xLabel, string yLabel)
        {
            var plot = new Plot();
            int c = Math.Min(values.Count, trainCounts.Count);
            var allX = new List<double>();
            foreach (var (group, colour) in new[] { ("many", 1), ("medium", 2), ("few", 3), ("", 0) })
            {
                var idx = Enumerable.Range(0, c).Where(i => trainCounts[i] > 0 && values[i] is not null && GroupOf(shotGroups, i) == group).ToArray();
                if (idx.Length == 0) continue;
                var xs = idx.Select(i => Math.Log10(trainCounts[i])).ToArray();
                var ys = idx.Select(i => values[i]!.Value).ToArray();
                allX.AddRange(xs);
                var points = plot.Add.Scatter(xs, ys, Palette(colour));
                points.LineWidth = 0;
                points.MarkerSize = c <= 20 ? 9 : 5;
                points.LegendText = group.Length > 0 ? group : "other";
                if (c > 20) continue;
                foreach (var i in idx)
                {
                    // Beside the marker, not over it.
                    var name = i < names.Count ? names[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var label = plot.Add.Text(name, Math.Log10(trainCounts[i]), values[i]!.Value);
                    label.LabelFontSize = 11;
                    label.LabelAlignment = Alignment.MiddleLeft;
                    label.OffsetX = 8;
                }
            }
            plot.Title(title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            LogTicks(plot.Axes.Bottom, allX.ToArray());
            if (allX.Count > 0) plot.Axes.SetLimitsX(allX.Min() - 0.2, allX.Max() + 0.6);
            plot.Axes.SetLimitsY(0, 105);
            plot.ShowLegend(Alignment.LowerRight);
            return plot;
        }

        /// <summary>The shot group ("many", "medium", "few") holding class <paramref name="i"/>, or "" when none does.</summary>
        internal static string GroupOf(IReadOnlyDictionary<string, IReadOnlyList<int>> shotGroups, int i)
        {
            foreach (var (group, classes) in shotGroups)
                if (classes.Contains(i)) return group;
            return "";
        }

        /// <summary>Integer epoch ticks: every epoch up to 20, else about ten evenly spaced ones.</summary>
        /// <param name="plot">The plot whose bottom axis shows epochs 1..<paramref name="maxEpoch"/>.</param>
        /// <param name="maxEpoch">The last epoch.</param>
        internal static void EpochTicks(Plot plot, int maxEpoch)
        {
            int step = maxEpoch <= 20 ? 1 : (int)Math.Ceiling(maxEpoch / 10.0);
            var ticks = Enumerable.Range(1, Math.Max(1, maxEpoch)).Where(e => e == 1 || e % step == 0).Select(e => (double)e).ToArray();
            plot.Axes.Bottom.SetTicks(ticks, ticks.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        /// <summary>Ticks at 1, 2 and 5 times the powers of ten on an axis that shows log10 values.</summary>
        /// <param name="axis">The axis.</param>
        /// <param name="logValues">The log10 values plotted on it.</param>
        internal static void LogTicks(IAxis axis, double[] logValues)
        {
            if (logValues.Length == 0) return;
            int lo = (int)Math.Floor(logValues.Min()), hi = (int)Math.Ceiling(logValues.Max());
            List<(double, string)> Ticks(int[] mantissas)
            {
                var ticks = new List<(double, string)>();
                for (int e = lo; e <= hi; e++)
                    foreach (var m in mantissas)
                    {
                        double v = m * Math.Pow(10, e);
                        double x = Math.Log10(v);
                        if (x >= logValues.Min() - 0.35 && x <= logValues.Max() + 0.35)
                            ticks.Add((x, v.ToString(v < 1 ? "0.###" : "N0", System.Globalization.CultureInfo.InvariantCulture)));
                    }
                return ticks;
            }
            // 1-2-5 ticks; every mantissa when the values span too little of a decade for three of those.
            var chosen = Ticks(new[] { 1, 2, 5 });
            if (chosen.Count < 3) chosen = Ticks(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
            axis.SetTicks(chosen.Select(t => t.Item1).ToArray(), chosen.Select(t => t.Item2).ToArray());
        }

        /// <summary>The reliability diagram of a run's last evaluation: accuracy and mean confidence per confidence bin.</summary>
        /// <param name="results">The run.</param>
        /// <param name="title">What the title starts with.</param>
        /// <returns>The plot.</returns>
        internal static Plot Reliability(RunResults results, string title)
        {
            var plot = new Plot();
            var bars = results.Reliability.Where(b => b.Count > 0).Select(b => new Bar
            {
                Position = 50 * (b.Lower + b.Upper),
                Value = b.Accuracy,
                Size = 100 * (b.Upper - b.Lower) * 0.9,
                FillColor = Palette(0).WithAlpha(0.75),
            }).ToList();
            if (bars.Count > 0)
            {
                var barPlot = plot.Add.Bars(bars);
                barPlot.LegendText = "accuracy of the bin";
            }
            var gaps = results.Reliability.Where(b => b.Count > 0).ToArray();
            if (gaps.Length > 0)
            {
                var conf = plot.Add.Scatter(gaps.Select(b => 50 * (b.Lower + b.Upper)).ToArray(), gaps.Select(b => b.Confidence).ToArray(), Palette(3));
                conf.LineWidth = 0;
                conf.MarkerSize = 7;
                conf.LegendText = "mean confidence of the bin";
            }
            var diagonal = plot.Add.Line(0, 0, 100, 100);
            diagonal.LineColor = Colors.Gray;
            diagonal.LinePattern = LinePattern.Dashed;
            diagonal.LegendText = "perfect calibration";
            plot.Title($"{title}: reliability (ECE {results.Ece:F2}%)");
            plot.XLabel("confidence (%)");
            plot.YLabel("accuracy (%)");
            plot.Axes.SetLimits(0, 100, 0, 100);
            plot.ShowLegend(Alignment.UpperLeft);
            return plot;
        }

        private static Plot Heatmap(GradientBalanceEpoch balance, IReadOnlyList<string> classNames, string title)
        {
            var plot = new Plot();
            int c = balance.Norms.Count;
            var data = new double[c, c];
            for (int i = 0; i < c; i++)
                for (int j = 0; j < c; j++)
                    data[i, j] = Math.Log10(Math.Max(balance.Norms[i][j], 1e-12));
            var map = plot.Add.Heatmap(data);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            var bar = plot.Add.ColorBar(map);
            bar.Label = "log10 gradient norm";
            if (c <= 20)
            {
                var positions = Enumerable.Range(0, c).Select(i => (double)i).ToArray();
                var labels = Enumerable.Range(0, c).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                plot.Axes.Bottom.SetTicks(positions, labels);
                plot.Axes.Left.SetTicks(positions.Select(p => (double)(c - 1) - p).ToArray(), labels);
            }
            plot.Title($"{title}: attraction (diagonal) / repulsion, epoch {balance.Epoch}");
            plot.XLabel("class of the samples (j)");
            plot.YLabel("classifier row receiving the gradient (i)");
            return plot;
        }

        /// <summary>A colour of ScottPlot's Category10 palette.</summary>
        /// <param name="index">Colour index.</param>
        /// <returns>The colour.</returns>
        public static Color Palette(int index) => new ScottPlot.Palettes.Category10().GetColor(index);
    }
}
