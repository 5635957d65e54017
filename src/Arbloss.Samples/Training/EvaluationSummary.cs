using System.Collections.Generic;
using Arbloss.Samples.Reporting;

namespace Arbloss.Samples.Training
{
    /// <summary>A model's test-set metrics (accuracies and calibration error in percent).</summary>
    public sealed record EvaluationSummary
    {
        /// <summary>Number of test samples.</summary>
        public long Samples { get; init; }

        /// <summary>Top-1 accuracy.</summary>
        public double Top1 { get; init; }

        /// <summary>Top-5 accuracy.</summary>
        public double Top5 { get; init; }

        /// <summary>Mean per-class accuracy of the many-shot classes, or null when the group is empty.</summary>
        public double? Many { get; init; }

        /// <summary>Mean per-class accuracy of the medium-shot classes, or null when the group is empty.</summary>
        public double? Medium { get; init; }

        /// <summary>Mean per-class accuracy of the few-shot classes, or null when the group is empty.</summary>
        public double? Few { get; init; }

        /// <summary>Expected calibration error over 15 equal-width confidence bins.</summary>
        public double Ece { get; init; }

        /// <summary>Accuracy of every class, in percent; null for a class without test samples.</summary>
        public IReadOnlyList<double?> PerClassAccuracy { get; init; } = new List<double?>();

        /// <summary>Test samples of every class.</summary>
        public IReadOnlyList<long> PerClassCount { get; init; } = new List<long>();

        /// <summary>The reliability diagram's bins.</summary>
        public IReadOnlyList<ReliabilityPoint> Reliability { get; init; } = new List<ReliabilityPoint>();
    }
}
