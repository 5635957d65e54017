using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// The authors' ARB variants written out on the host in plain doubles, independent of the library's tensor code
    /// (no TorchSharp, no cross_entropy): ARB probabilities <c>p_j = n_j e^{z_j} / sum_k n_k e^{z_k}</c> and the
    /// per-sample formulas of the focal, weighted and label-aware-smoothing variants.
    /// </summary>
    internal static class ArbVariantHost
    {
        /// <summary>How often each class occurs in the case's targets.</summary>
        public static long[] BatchCounts(LossCase c)
        {
            var n = new long[c.Classes];
            foreach (var t in c.Target) n[t]++;
            return n;
        }

        /// <summary>The ARB counts of a mode: the batch's, or the case's global counts.</summary>
        public static long[] Counts(LossCase c, CountSource mode) => mode == CountSource.Batch ? BatchCounts(c) : c.Counts;

        /// <summary>log p_j of row b for counts n; -inf for classes with n_j = 0.</summary>
        public static double[] ArbLogProb(LossCase c, int b, long[] n)
        {
            var a = new double[c.Classes];
            double max = double.NegativeInfinity;
            for (int j = 0; j < c.Classes; j++)
            {
                a[j] = n[j] > 0 ? c.Logits[b * c.Classes + j] + Math.Log(n[j]) : double.NegativeInfinity;
                max = Math.Max(max, a[j]);
            }
            double sum = 0;
            for (int j = 0; j < c.Classes; j++) if (n[j] > 0) sum += Math.Exp(a[j] - max);
            double lse = max + Math.Log(sum);
            return a.Select(v => v - lse).ToArray(); // -inf stays -inf
        }

        /// <summary>Focal ARB per sample: -(1 - p_y)^gamma log p_y.</summary>
        public static double[] Focal(LossCase c, long[] n, double gamma) =>
            Enumerable.Range(0, c.Batch).Select(b =>
            {
                double lp = ArbLogProb(c, b, n)[c.Target[b]];
                return -Math.Pow(1 - Math.Exp(lp), gamma) * lp;
            }).ToArray();

        /// <summary>Plain ARB-Loss per sample: -log p_y.</summary>
        public static double[] Arb(LossCase c, long[] n) =>
            Enumerable.Range(0, c.Batch).Select(b => -ArbLogProb(c, b, n)[c.Target[b]]).ToArray();

        /// <summary>Weighted ARB per sample: (m / n_y) * (-log p_y), m = sum(n) / #{n > 0}.</summary>
        public static double[] Weighted(LossCase c, long[] n)
        {
            double m = (double)n.Sum() / n.Count(v => v > 0);
            var arb = Arb(c, n);
            return Enumerable.Range(0, c.Batch).Select(b => m / n[c.Target[b]] * arb[b]).ToArray();
        }

        /// <summary>ARB with label smoothing: (1 - eps_y)(-log p_y) + eps_y * mean over classes with n > 0 of (-log p_j).</summary>
        public static double[] Smoothing(LossCase c, long[] n, double[] eps) =>
            Enumerable.Range(0, c.Batch).Select(b =>
            {
                var lp = ArbLogProb(c, b, n);
                int y = (int)c.Target[b];
                double meanNll = Enumerable.Range(0, c.Classes).Where(j => n[j] > 0).Average(j => -lp[j]);
                return (1 - eps[y]) * -lp[y] + eps[y] * meanNll;
            }).ToArray();

        /// <summary>MiSLAS's smoothing factors from training counts (empty classes get the tail factor).</summary>
        public static double[] Factors(long[] counts, double head, double tail, SmoothingShape shape, double power)
        {
            var present = counts.Where(v => v > 0).ToArray();
            double n1 = present.Max(), nk = present.Min();
            return counts.Select(v =>
            {
                if (v == 0) return tail;
                double x = n1 == nk ? 1 : (v - nk) / (n1 - nk);
                return shape switch
                {
                    SmoothingShape.Concave => tail + (head - tail) * Math.Sin(x * Math.PI / 2),
                    SmoothingShape.Linear => tail + (head - tail) * x,
                    SmoothingShape.Convex => head + (head - tail) * Math.Sin(1.5 * Math.PI + x * Math.PI / 2),
                    _ => tail + (head - tail) * Math.Pow(x, power),
                };
            }).ToArray();
        }

        /// <summary>A random case with a count mode, a reduction and one value of a hyper-parameter.</summary>
        public static Arbitrary<(LossCase Case, CountSource Mode, nn.Reduction Reduction, double Parameter)> With(double[] parameters, bool allowZeroCounts = true) =>
            (from c in LossTestKit.Cases(allowZeroCounts)
             from mode in Gen.Elements(CountSource.Batch, CountSource.Global)
             from r in Gen.Elements(LossTestKit.Reductions)
             from p in Gen.Elements(parameters)
             select (c, mode, r, p)).ToArbitrary();

        /// <summary>
        /// A batch in which every present class occurs equally often (a random subset of the classes, each r times,
        /// shuffled): the weighted variant's weights are then all 1.
        /// </summary>
        public static Arbitrary<(LossCase Case, nn.Reduction Reduction)> BalancedBatches() =>
            (from classes in Gen.Choose(1, 6)
             from presentMask in Gen.ArrayOf(Gen.Elements(true, false), classes)
             from repeats in Gen.Choose(1, 3)
             from seed in Gen.Choose(0, int.MaxValue - 1)
             from r in Gen.Elements(LossTestKit.Reductions)
             select (Balanced(classes, presentMask, repeats, seed), r)).ToArbitrary();

        private static LossCase Balanced(int classes, bool[] presentMask, int repeats, int seed)
        {
            var rng = new Random(seed);
            var present = Enumerable.Range(0, classes).Where(j => presentMask[j]).ToList();
            if (present.Count == 0) present.Add(rng.Next(classes));
            var target = present.SelectMany(j => Enumerable.Repeat((long)j, repeats)).OrderBy(_ => rng.Next()).ToArray();
            int b = target.Length;
            var logits = Enumerable.Range(0, b * classes).Select(_ => rng.Next(-6000, 6001) / 1000.0).ToArray();
            var rowWeights = Enumerable.Range(0, b).Select(_ => rng.Next(1, 1001) / 500.0).ToArray();
            return new LossCase(b, classes, logits, target, Enumerable.Repeat(7L, classes).ToArray(), rowWeights);
        }

        /// <summary>Autograd gradient of the summed loss at the case's logits, row-major.</summary>
        public static double[] Gradient(LossCase c, Func<Tensor, Tensor> loss)
        {
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor(requiresGrad: true);
            loss(x).sum().backward();
            return x.grad!.data<double>().ToArray();
        }

        /// <summary>
        /// Every logit of a class whose ARB count is 0 (batch mode: absent from the batch) gets exactly zero gradient.
        /// </summary>
        public static bool AbsentClassesGetNoGradient(LossCase c, long[] n, Func<Tensor, Tensor> loss)
        {
            var g = Gradient(c, loss);
            for (int b = 0; b < c.Batch; b++)
                for (int j = 0; j < c.Classes; j++)
                    if (n[j] == 0 && g[b * c.Classes + j] != 0.0)
                        throw new Xunit.Sdk.XunitException($"class {j} has count 0 but gradient {g[b * c.Classes + j]:R} in row {b} for {c}");
            return true;
        }

        /// <summary>Asserts an ArgumentException (or subclass) naming <paramref name="paramName"/>, without native error text.</summary>
        public static void Rejects(string paramName, Action action)
        {
            var e = Assert.ThrowsAny<ArgumentException>(action);
            Assert.Equal(paramName, e.ParamName);
            Assert.DoesNotContain("Exception raised from", e.Message);
        }
    }
}
