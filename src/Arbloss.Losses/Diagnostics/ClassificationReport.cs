using System.Collections.Generic;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Accuracy and calibration of one evaluation (<see cref="ClassificationMetrics.Compute"/>). Host values only.
    /// Accuracies are fractions in [0, 1]; a class with no evaluation sample has accuracy NaN (marked by a
    /// <see cref="PerClassCount"/> of 0) and is left out of every class average.
    /// </summary>
    public sealed class ClassificationReport
    {
        internal ClassificationReport(long sampleCount, IReadOnlyDictionary<int, double> topK, double[] perClassAccuracy,
            long[] perClassCount, double balancedAccuracy, double? many, double? medium, double? few,
            double ece, double mce, double averageConfidence, ReliabilityBin[] bins)
        {
            SampleCount = sampleCount;
            TopK = topK;
            PerClassAccuracy = perClassAccuracy;
            PerClassCount = perClassCount;
            BalancedAccuracy = balancedAccuracy;
            ManyShotAccuracy = many;
            MediumShotAccuracy = medium;
            FewShotAccuracy = few;
            Ece = ece;
            Mce = mce;
            AverageConfidence = averageConfidence;
            ReliabilityBins = bins;
        }

        /// <summary>Number of samples evaluated.</summary>
        public long SampleCount { get; }

        /// <summary>Top-1 accuracy: fraction of samples whose highest logit is the target.</summary>
        public double Top1 => TopK[1];

        /// <summary>Top-5 accuracy: fraction of samples whose target is among the five highest logits (1 when C &lt;= 5).</summary>
        public double Top5 => TopK[5];

        /// <summary>Top-k accuracy for every k the metrics were built with (always 1 and 5); k above C counts as C.</summary>
        public IReadOnlyDictionary<int, double> TopK { get; }

        /// <summary>Top-1 accuracy of each class over its evaluation samples [C]; NaN for a class with none.</summary>
        public IReadOnlyList<double> PerClassAccuracy { get; }

        /// <summary>Number of evaluation samples of each class [C].</summary>
        public IReadOnlyList<long> PerClassCount { get; }

        /// <summary>Mean of the per-class accuracies over the classes that have samples (class-balanced accuracy, the usual long-tail headline on a balanced test set).</summary>
        public double BalancedAccuracy { get; }

        /// <summary>Mean per-class accuracy of the many-shot classes that have samples; null without shot groups or when none has samples.</summary>
        public double? ManyShotAccuracy { get; }

        /// <summary>Mean per-class accuracy of the medium-shot classes that have samples; null without shot groups or when none has samples.</summary>
        public double? MediumShotAccuracy { get; }

        /// <summary>Mean per-class accuracy of the few-shot classes that have samples; null without shot groups or when none has samples.</summary>
        public double? FewShotAccuracy { get; }

        /// <summary>
        /// Expected calibration error over the equal-width confidence bins: <c>sum_b (n_b / N) |acc_b - conf_b|</c>, with
        /// the top-1 softmax probability as confidence. In [0, 1].
        /// </summary>
        public double Ece { get; }

        /// <summary>Maximum calibration error: the largest <c>|acc_b - conf_b|</c> over non-empty bins. In [0, 1].</summary>
        public double Mce { get; }

        /// <summary>Mean top-1 confidence over all samples.</summary>
        public double AverageConfidence { get; }

        /// <summary>The bins of the reliability diagram, from low to high confidence.</summary>
        public IReadOnlyList<ReliabilityBin> ReliabilityBins { get; }
    }
}
