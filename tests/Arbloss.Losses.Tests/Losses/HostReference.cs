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

        /// <summary>
        /// ARB-Loss per sample in plain doubles, independent of the library's tensor code:
        /// <c>logsumexp_j (z_j + log n_j) - (z_y + log n_y)</c> over the classes with <c>n_j &gt; 0</c>, with
        /// <paramref name="counts"/> the class counts (batch counts are the caller's to pass). Row-major [B, C] logits.
        /// </summary>
        public static double[] Arb(double[] logits, int batch, int classes, long[] target, double[] counts)
        {
            var result = new double[batch];
            for (int b = 0; b < batch; b++)
            {
                int y = (int)target[b];
                result[b] = LogSumExpShifted(logits, b, classes, counts) - (logits[b * classes + y] + Math.Log(counts[y]));
            }
            return result;
        }

        /// <summary>
        /// Gradient of <c>sum_b rowWeight_b * L_b</c> with respect to the logits, in plain doubles:
        /// <c>rowWeight_b * (p_bj - [j == y_b])</c> with <c>p_b = softmax(z_b + log n)</c> (0 for classes with n_j = 0).
        /// </summary>
        public static double[] ArbGradient(double[] logits, int batch, int classes, long[] target, double[] counts, double[] rowWeight)
        {
            var grad = new double[batch * classes];
            for (int b = 0; b < batch; b++)
            {
                double lse = LogSumExpShifted(logits, b, classes, counts);
                for (int j = 0; j < classes; j++)
                {
                    double p = counts[j] > 0 ? Math.Exp(logits[b * classes + j] + Math.Log(counts[j]) - lse) : 0.0;
                    grad[b * classes + j] = rowWeight[b] * (p - (j == target[b] ? 1.0 : 0.0));
                }
            }
            return grad;
        }

        /// <summary>The per-class counts of <paramref name="target"/> as doubles.</summary>
        public static double[] BatchCounts(long[] target, int classes)
        {
            var counts = new double[classes];
            foreach (var t in target) counts[t]++;
            return counts;
        }

        /// <summary>The weight of each row in the scalar objective of a reduction: 1/B for Mean, 1 otherwise.</summary>
        public static double[] RowWeights(int batch, torch.nn.Reduction r) =>
            Enumerable.Repeat(r == torch.nn.Reduction.Mean ? 1.0 / batch : 1.0, batch).ToArray();

        /// <summary>log sum_j n_j e^{z_bj} over n_j &gt; 0, stabilised by the row maximum.</summary>
        private static double LogSumExpShifted(double[] logits, int b, int classes, double[] counts)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < classes; j++)
                if (counts[j] > 0) max = Math.Max(max, logits[b * classes + j] + Math.Log(counts[j]));
            double sum = 0;
            for (int j = 0; j < classes; j++)
                if (counts[j] > 0) sum += Math.Exp(logits[b * classes + j] + Math.Log(counts[j]) - max);
            return max + Math.Log(sum);
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
