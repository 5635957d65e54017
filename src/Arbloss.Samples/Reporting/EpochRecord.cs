namespace Arbloss.Samples.Reporting
{
    /// <summary>One epoch's row of the CSV log (accuracies in percent).</summary>
    public sealed record EpochRecord
    {
        /// <summary>Epoch number, from 1.</summary>
        public int Epoch { get; init; }

        /// <summary>Learning rate used.</summary>
        public double Lr { get; init; }

        /// <summary>Mean training loss over the epoch's samples.</summary>
        public double TrainLoss { get; init; }

        /// <summary>Training top-1 accuracy on the (augmented, possibly mixed) batches, against the un-mixed labels.</summary>
        public double TrainTop1 { get; init; }

        /// <summary>Test top-1 accuracy.</summary>
        public double Top1 { get; init; }

        /// <summary>Test top-5 accuracy.</summary>
        public double Top5 { get; init; }

        /// <summary>Mean per-class test accuracy of the many-shot classes; null when the group is empty.</summary>
        public double? Many { get; init; }

        /// <summary>Mean per-class test accuracy of the medium-shot classes; null when the group is empty.</summary>
        public double? Medium { get; init; }

        /// <summary>Mean per-class test accuracy of the few-shot classes; null when the group is empty.</summary>
        public double? Few { get; init; }

        /// <summary>Expected calibration error on the test set (15 bins), in percent.</summary>
        public double Ece { get; init; }

        /// <summary>Wall-clock seconds of the epoch (training and evaluation).</summary>
        public double Seconds { get; init; }

        /// <summary>Training images per second during the epoch's training pass.</summary>
        public double ImagesPerSecond { get; init; }
    }
}
