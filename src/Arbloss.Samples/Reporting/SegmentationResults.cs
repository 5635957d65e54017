using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Arbloss.Samples.Reporting
{
    /// <summary>The content of a segmentation run's <c>results.json</c>: the last epoch's test metrics (IoUs and accuracies
    /// in percent), the per-class IoU beside the training pixel counts, and every epoch's row.</summary>
    public sealed record SegmentationResults
    {
        /// <summary>Run name.</summary>
        public string Name { get; init; } = "";

        /// <summary>Dataset identifier, e.g. <c>synthetic-seg</c>.</summary>
        public string Dataset { get; init; } = "";

        /// <summary>Loss name, e.g. <c>arb_batch</c>.</summary>
        public string Loss { get; init; } = "";

        /// <summary>Backbone name.</summary>
        public string Backbone { get; init; } = "";

        /// <summary>The run's seed.</summary>
        public long Seed { get; init; }

        /// <summary>Device that trained the model, e.g. <c>cpu</c>.</summary>
        public string Device { get; init; } = "";

        /// <summary>Epochs trained.</summary>
        public int Epochs { get; init; }

        /// <summary>Epochs configured; equals <see cref="Epochs"/> unless the run was interrupted.</summary>
        public int NumEpochs { get; init; }

        /// <summary>Whether every configured epoch ran.</summary>
        public bool Completed { get; init; }

        /// <summary>Target value of the pixels left out of loss, counts and metrics (255).</summary>
        public long IgnoreIndex { get; init; }

        /// <summary>Mean IoU over the classes with a defined IoU (the mean of <see cref="PerClassIoU"/>'s values).</summary>
        [JsonPropertyName("miou")]
        public double? MeanIoU { get; init; }

        /// <summary>Correct pixels over evaluated pixels.</summary>
        public double? PixelAccuracy { get; init; }

        /// <summary>Mean per-class pixel recall.</summary>
        public double? MeanClassAccuracy { get; init; }

        /// <summary>Frequency-weighted IoU.</summary>
        [JsonPropertyName("frequency_weighted_iou")]
        public double? FrequencyWeightedIoU { get; init; }

        /// <summary>Mean IoU of the many-shot classes; null when the group is empty.</summary>
        public double? Many { get; init; }

        /// <summary>Mean IoU of the medium-shot classes; null when the group is empty.</summary>
        public double? Medium { get; init; }

        /// <summary>Mean IoU of the few-shot classes; null when the group is empty.</summary>
        public double? Few { get; init; }

        /// <summary>The tail class: the class with the fewest training pixels.</summary>
        public int TailClass { get; init; }

        /// <summary>IoU of <see cref="TailClass"/>.</summary>
        [JsonPropertyName("tail_class_iou")]
        public double? TailClassIoU { get; init; }

        /// <summary>Best test mean IoU over the epochs.</summary>
        [JsonPropertyName("best_miou")]
        public double BestMeanIoU { get; init; }

        /// <summary>Epoch (from 1) of the best test mean IoU.</summary>
        public int BestEpoch { get; init; }

        /// <summary>Test IoU of every class; null where the class is neither in the test targets nor predicted.</summary>
        [JsonPropertyName("per_class_iou")]
        public IReadOnlyList<double?> PerClassIoU { get; init; } = new List<double?>();

        /// <summary>Test pixel recall of every class; null for a class without test pixels.</summary>
        public IReadOnlyList<double?> PerClassAccuracy { get; init; } = new List<double?>();

        /// <summary>Training pixels of every class (ignored pixels not counted): the counts of a global-count loss.</summary>
        public IReadOnlyList<long> TrainPixelCounts { get; init; } = new List<long>();

        /// <summary>Test pixels of every class.</summary>
        public IReadOnlyList<long> TestPixelCounts { get; init; } = new List<long>();

        /// <summary>Display name of every class.</summary>
        public IReadOnlyList<string> ClassNames { get; init; } = new List<string>();

        /// <summary>The class indices of the many-, medium- and few-shot groups.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<int>> ShotGroups { get; init; } = new Dictionary<string, IReadOnlyList<int>>();

        /// <summary>Every epoch's row.</summary>
        public IReadOnlyList<SegmentationEpoch> History { get; init; } = new List<SegmentationEpoch>();

        /// <summary>Wall-clock seconds of the whole run, summed over resumes.</summary>
        public double Seconds { get; init; }

        /// <summary>Seconds spent in training passes.</summary>
        public double TrainSeconds { get; init; }

        /// <summary>Training images per second over the training passes.</summary>
        public double ImagesPerSecond { get; init; }

        /// <summary>Trainable parameters of the model.</summary>
        public long Parameters { get; init; }

        /// <summary>With <c>gradient_balance: true</c>: per epoch, every class's mean repulsion over mean attraction on its
        /// row of the 1x1 head (every non-ignored pixel a sample; null where undefined); empty otherwise. The full
        /// statistics are in <c>gradient_balance.json</c>.</summary>
        public IReadOnlyList<IReadOnlyList<double?>> RepulsionOverAttractionByEpoch { get; init; } = new List<IReadOnlyList<double?>>();
    }
}
