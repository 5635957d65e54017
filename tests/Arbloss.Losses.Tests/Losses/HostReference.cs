using System;
using System.Linq;
using TorchSharp;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>Per-sample quantities computed on the host in double, independent of the library's tensor code.</summary>
    internal static class HostReference
    {
        /// <summary>log-softmax of row b.</summary>
        public static double[] LogSoftmax(LossCase c, int b)
        {
            var row = c.Logits.Skip(b * c.Classes).Take(c.Classes).ToArray();
            double max = row.Max();
            double lse = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            return row.Select(v => v - lse).ToArray();
        }

        /// <summary>Reduces per-sample losses; Mean divides by the batch size.</summary>
        public static double[] Reduce(double[] perSample, torch.nn.Reduction r) => r switch
        {
            torch.nn.Reduction.None => perSample,
            torch.nn.Reduction.Sum => new[] { perSample.Sum() },
            _ => new[] { perSample.Average() },
        };

        /// <summary>Focal loss per sample: -w_y (1 - p_y)^gamma log p_y.</summary>
        public static double[] Focal(LossCase c, double gamma, double[]? w) =>
            Enumerable.Range(0, c.Batch).Select(b =>
            {
                int y = (int)c.Target[b];
                double lp = LogSoftmax(c, b)[y];
                return -(w?[y] ?? 1.0) * Math.Pow(1 - Math.Exp(lp), gamma) * lp;
            }).ToArray();

        /// <summary>Cross-entropy per sample.</summary>
        public static double[] CrossEntropy(LossCase c) => Focal(c, 0, null);

        /// <summary>Label smoothing per sample with per-class factors eps.</summary>
        public static double[] Smoothing(LossCase c, double[] eps) =>
            Enumerable.Range(0, c.Batch).Select(b =>
            {
                int y = (int)c.Target[b];
                var lp = LogSoftmax(c, b);
                return (1 - eps[y]) * -lp[y] + eps[y] * -lp.Average();
            }).ToArray();
    }
}
