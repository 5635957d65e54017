using System.Text.Json.Serialization;

namespace Arbloss.Samples.Reporting
{
    /// <summary>One epoch's row of a segmentation run's CSV log and history (IoUs and accuracies in percent, on the test set
    /// unless named train).</summary>
    public sealed record SegmentationEpoch
    {
        /// <summary>Epoch number, from 1.</summary>
        public int Epoch { get; init; }

        /// <summary>Learning rate used.</summary>
        public double Lr { get; init; }

        /// <summary>Mean training loss over the epoch's batches (each batch's loss is its mean over non-ignored pixels).</summary>
        public double TrainLoss { get; init; }

        /// <summary>Pixel accuracy on the (augmented) training batches.</summary>
        public double TrainPixelAccuracy { get; init; }

        /// <summary>Mean IoU over the classes with a defined IoU.</summary>
        [JsonPropertyName("miou")]
        public double? MeanIoU { get; init; }

        /// <summary>Correct pixels over evaluated (non-ignored) pixels.</summary>
        public double? PixelAccuracy { get; init; }

        /// <summary>Mean per-class pixel recall.</summary>
        public double? MeanClassAccuracy { get; init; }

        /// <summary>Frequency-weighted IoU.</summary>
        [JsonPropertyName("frequency_weighted_iou")]
        public double? FrequencyWeightedIoU { get; init; }

        /// <summary>Mean IoU of the many-shot classes (by training pixel count); null when the group is empty.</summary>
        public double? Many { get; init; }

        /// <summary>Mean IoU of the medium-shot classes; null when the group is empty.</summary>
        public double? Medium { get; init; }

        /// <summary>Mean IoU of the few-shot classes; null when the group is empty.</summary>
        public double? Few { get; init; }

        /// <summary>IoU of the tail class: the class with the fewest training pixels.</summary>
        [JsonPropertyName("tail_class_iou")]
        public double? TailClassIoU { get; init; }

        /// <summary>Wall-clock seconds of the epoch (training and evaluation).</summary>
        public double Seconds { get; init; }

        /// <summary>Training images per second during the epoch's training pass.</summary>
        public double ImagesPerSecond { get; init; }
    }
}
