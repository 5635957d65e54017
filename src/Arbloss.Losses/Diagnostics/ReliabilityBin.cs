namespace Arbloss.Losses.Diagnostics
{
    /// <summary>One confidence bin of a reliability diagram: the samples whose top-1 confidence lies in (<see cref="Lower"/>, <see cref="Upper"/>].</summary>
    public sealed class ReliabilityBin
    {
        internal ReliabilityBin(double lower, double upper, long count, double accuracy, double confidence)
        {
            Lower = lower;
            Upper = upper;
            Count = count;
            Accuracy = accuracy;
            Confidence = confidence;
        }

        /// <summary>Lower edge (exclusive; the first bin also holds confidence 0, which softmax never produces).</summary>
        public double Lower { get; }

        /// <summary>Upper edge (inclusive).</summary>
        public double Upper { get; }

        /// <summary>Number of samples in the bin.</summary>
        public long Count { get; }

        /// <summary>Top-1 accuracy of the bin's samples; NaN for an empty bin (see <see cref="Count"/>).</summary>
        public double Accuracy { get; }

        /// <summary>Mean top-1 confidence of the bin's samples; NaN for an empty bin.</summary>
        public double Confidence { get; }

        /// <summary><c>|Accuracy - Confidence|</c>, the bin's calibration gap; NaN for an empty bin.</summary>
        public double Gap => System.Math.Abs(Accuracy - Confidence);
    }
}
