using System;
using System.Collections.Generic;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Per-class weights for re-weighting losses and weighted sampling. Every method normalises the weights of the
    /// classes with a positive count to mean 1 (they sum to the number of such classes, as Cui et al. and Cao et al.
    /// normalise to sum C when no class is empty); a class with count 0 gets weight 0.
    /// </summary>
    public static class ClassWeights
    {
        /// <summary>The effective-number beta of Cui et al. and of LDAM-DRW (0.9999).</summary>
        public const double DefaultBeta = 0.9999;

        /// <summary>Inverse class frequency: <c>w_c proportional to 1 / n_c</c>.</summary>
        /// <param name="classCounts">Per-class counts: non-negative, at least one positive.</param>
        /// <returns>A new array of per-class weights.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative or all zero.</exception>
        public static double[] InverseFrequency(IReadOnlyList<long> classCounts) =>
            Normalised(classCounts, n => 1.0 / n);

        /// <summary>Square-root frequency: <c>w_c proportional to 1 / sqrt(n_c)</c>, so that sampling items by these
        /// weights draws class c with probability proportional to <c>sqrt(n_c)</c>.</summary>
        /// <param name="classCounts">Per-class counts: non-negative, at least one positive.</param>
        /// <returns>A new array of per-class weights.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative or all zero.</exception>
        public static double[] SquareRootFrequency(IReadOnlyList<long> classCounts) =>
            Normalised(classCounts, n => 1.0 / Math.Sqrt(n));

        /// <summary>
        /// Effective number of samples (Cui et al., CVPR 2019): <c>w_c proportional to (1 - beta) / (1 - beta^n_c)</c>.
        /// <c>beta = 0</c> gives equal weights; beta towards 1 approaches inverse frequency.
        /// </summary>
        /// <param name="classCounts">Per-class counts: non-negative, at least one positive.</param>
        /// <param name="beta">In [0, 1); default 0.9999 as the authors.</param>
        /// <returns>A new array of per-class weights.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1).</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative or all zero.</exception>
        public static double[] EffectiveNumber(IReadOnlyList<long> classCounts, double beta = DefaultBeta)
        {
            if (!(beta >= 0 && beta < 1))
                throw new ArgumentOutOfRangeException(nameof(beta), beta, "The effective-number beta must lie in [0, 1), e.g. 0.9999.");
            if (beta == 0) return Normalised(classCounts, _ => 1.0);
            double logBeta = Math.Log(beta);
            // 1 - beta^n computed as -expm1(n log beta): accurate for beta close to 1.
            return Normalised(classCounts, n => (1 - beta) / -ExpM1(n * logBeta));
        }

        /// <summary>exp(x) - 1 to a few ulps for small |x| (Kahan's trick: the rounding errors of exp and log cancel).</summary>
        private static double ExpM1(double x)
        {
            double u = Math.Exp(x);
            if (u == 1.0) return x;
            double um1 = u - 1.0;
            if (um1 == -1.0) return -1.0;
            return um1 * x / Math.Log(u);
        }

        private static double[] Normalised(IReadOnlyList<long> classCounts, Func<double, double> weightOfCount)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            if (classCounts.Count == 0) throw new ArgumentException("Class counts must contain one entry per class; got an empty list.", nameof(classCounts));
            var w = new double[classCounts.Count];
            double sum = 0;
            int present = 0;
            for (int c = 0; c < w.Length; c++)
            {
                long n = classCounts[c];
                if (n < 0) throw new ArgumentException($"Class count {c} is {n}; counts must be non-negative.", nameof(classCounts));
                if (n == 0) continue;
                w[c] = weightOfCount(n);
                sum += w[c];
                present++;
            }
            if (present == 0) throw new ArgumentException("All class counts are zero; at least one class needs samples.", nameof(classCounts));
            double scale = present / sum;
            for (int c = 0; c < w.Length; c++) w[c] *= scale;
            return w;
        }
    }
}
