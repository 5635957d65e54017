using System.Collections.Generic;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Host copy of a <see cref="GradientBalanceResult"/> (from <see cref="GradientBalanceResult.ToHost"/>), for logging,
    /// tables and plots. Same meaning and indexing as the result's tensors.
    /// </summary>
    public sealed class GradientBalanceValues
    {
        internal GradientBalanceValues(double[,] norms, double[] attraction, double[] repulsion, double[] gradientNorm,
            double[] ratio, long[] sampleCounts, bool[] present, long steps)
        {
            Norms = norms;
            Attraction = attraction;
            Repulsion = repulsion;
            GradientNorm = gradientNorm;
            Ratio = ratio;
            SampleCounts = sampleCounts;
            Present = present;
            Steps = steps;
        }

        /// <summary><c>M[i, j] = ||T[i, j]||</c>: row i receives the gradient, column j is the class of the samples.</summary>
        public double[,] Norms { get; }

        /// <summary>Attraction norm per class (the diagonal of <see cref="Norms"/>).</summary>
        public IReadOnlyList<double> Attraction { get; }

        /// <summary>Total repulsion norm per class, <c>||sum_{j != i} T[i, j]||</c>.</summary>
        public IReadOnlyList<double> Repulsion { get; }

        /// <summary>Norm of the whole gradient of each classifier row.</summary>
        public IReadOnlyList<double> GradientNorm { get; }

        /// <summary>Attraction / repulsion per class; NaN where the class is absent or gets no repulsion (see <see cref="Present"/>).</summary>
        public IReadOnlyList<double> Ratio { get; }

        /// <summary>Samples of each class, summed over steps.</summary>
        public IReadOnlyList<long> SampleCounts { get; }

        /// <summary>Whether each class had at least one sample.</summary>
        public IReadOnlyList<bool> Present { get; }

        /// <summary>Number of batches averaged.</summary>
        public long Steps { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => Attraction.Count;
    }
}
