using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace Arbloss.Samples.Reporting
{
    /// <summary>The PNG plots of a segmentation run, in the style of <see cref="RunPlots"/>: <c>miou.png</c> (test mIoU,
    /// many / medium / few mIoU and the tail class's IoU per epoch) and <c>per_class_iou.png</c> (each class's test IoU
    /// against its training pixel count, log scale), and with the gradient balance <c>gradient_balance.png</c> (each class's
    /// repulsion over attraction against its training pixels, first and last epoch).</summary>
    public static class SegmentationPlots
    {
        /// <summary>Writes the plots of a run.</summary>
        /// <param name="folder">Destination folder (created).</param>
        /// <param name="results">The run's results.</param>
        /// <returns>The paths written.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="folder"/> or <paramref name="results"/> is null.</exception>
        /// <exception cref="IOException">A file cannot be written.</exception>
        public static IReadOnlyList<string> Write(string folder, SegmentationResults results)
        {
            ArgumentNullException.ThrowIfNull(folder);
            ArgumentNullException.ThrowIfNull(results);
            var title = $"{results.Dataset}, {results.Loss}";
            var written = new List<string>();
            if (results.History.Count > 0) written.Add(RunPlots.Save(Curves(results.History, title), Path.Combine(folder, "miou.png")));
            written.Add(RunPlots.Save(PerClass(results, title), Path.Combine(folder, "per_class_iou.png")));
            if (results.RepulsionOverAttractionByEpoch.Count > 0)
                written.Add(RunPlots.Save(Balance(results, title), Path.Combine(folder, "gradient_balance.png")));
            return written;
        }

        /// <summary>Repulsion over attraction of every class on the 1x1 head against its training pixels (log scales),
        /// in the first and the last epoch collected; 1 (balanced) dashed.</summary>
        private static Plot Balance(SegmentationResults results, string title)
        {
            var plot = new Plot();
            var epochs = results.RepulsionOverAttractionByEpoch;
            int firstEpoch = results.History.Count > 0 ? results.History[0].Epoch : 1;
            var allX = new List<double>();
            var allY = new List<double>();
            var shown = new List<(int Index, string Label, int Colour)> { (0, $"epoch {firstEpoch}", 3) };
            if (epochs.Count > 1) shown.Add((epochs.Count - 1, $"epoch {firstEpoch + epochs.Count - 1}", 0));
            foreach (var (index, label, colour) in shown)
            {
                var ratio = epochs[index];
                var idx = Enumerable.Range(0, Math.Min(ratio.Count, results.TrainPixelCounts.Count))
                    .Where(i => results.TrainPixelCounts[i] > 0 && ratio[i] is double r && r > 0 && double.IsFinite(r)).ToArray();
                if (idx.Length == 0) continue;
                var xs = idx.Select(i => Math.Log10(results.TrainPixelCounts[i])).ToArray();
                var ys = idx.Select(i => Math.Log10(ratio[i]!.Value)).ToArray();
                allX.AddRange(xs);
                allY.AddRange(ys);
                var points = plot.Add.Scatter(xs, ys, RunPlots.Palette(colour));
                points.LineWidth = 0;
                points.MarkerSize = 9;
                points.LegendText = label;
            }
            var one = plot.Add.HorizontalLine(0);
            one.LinePattern = LinePattern.Dashed;
            one.Color = Colors.Gray;
            one.LegendText = "balanced (R/A = 1)";
            plot.Title($"{title}: repulsion / attraction per class");
            plot.XLabel("training pixels of the class (log scale)");
            plot.YLabel("repulsion / attraction (log scale)");
            RunPlots.LogTicks(plot.Axes.Bottom, allX.ToArray());
            RunPlots.LogTicks(plot.Axes.Left, allY.Append(0).ToArray());
            if (allX.Count > 0) plot.Axes.SetLimitsX(allX.Min() - 0.2, allX.Max() + 0.2);
            plot.ShowLegend(Alignment.UpperRight);
            return plot;
        }

        private static Plot Curves(IReadOnlyList<SegmentationEpoch> history, string title)
        {
            var plot = new Plot();
            void Line(string label, Func<SegmentationEpoch, double?> value, int colour, bool dashed = false)
            {
                var points = history.Where(r => value(r) is double).ToArray();
                if (points.Length == 0) return;
                var line = plot.Add.Scatter(points.Select(r => (double)r.Epoch).ToArray(), points.Select(r => value(r)!.Value).ToArray(), RunPlots.Palette(colour));
                line.LegendText = label;
                line.LineWidth = 2;
                line.MarkerSize = history.Count <= 30 ? 5 : 0;
                if (dashed) line.LinePattern = LinePattern.Dashed;
            }
            Line("test mIoU", r => r.MeanIoU, 0);
            Line("many", r => r.Many, 1);
            Line("medium", r => r.Medium, 2);
            Line("few", r => r.Few, 3);
            Line("tail class IoU", r => r.TailClassIoU, 4, dashed: true);
            plot.Title($"{title}: test IoU per epoch");
            plot.XLabel("epoch");
            plot.YLabel("IoU (%)");
            int last = history.Max(r => r.Epoch), first = history.Min(r => r.Epoch);
            RunPlots.EpochTicks(plot, last);
            plot.Axes.SetLimitsY(0, 100);
            plot.Axes.SetLimitsX(first - 0.5, last + 0.5);
            plot.ShowLegend(Alignment.LowerRight);
            return plot;
        }

        private static Plot PerClass(SegmentationResults results, string title) =>
            RunPlots.PerClassScatter(results.TrainPixelCounts, results.PerClassIoU, results.ClassNames, results.ShotGroups,
                $"{title}: per-class test IoU", "training pixels of the class (log scale)", "test IoU (%)");
    }
}
