using System.Collections.Generic;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// What <see cref="SegmentationMetrics.Compute"/> reports: the confusion matrix of the evaluated pixels and the
    /// usual segmentation scores, all as fractions in [0, 1]. A score with nothing to average over is null (e.g. the IoU
    /// of a class that is neither in the targets nor in the predictions, or the few-shot mIoU without few-shot classes).
    /// </summary>
    public sealed class SegmentationReport
    {
        internal SegmentationReport(long[,] confusion, long pixels, IReadOnlyList<double?> iou, IReadOnlyList<double?> classAccuracy,
            double? meanIoU, double? pixelAccuracy, double? meanClassAccuracy, double? frequencyWeightedIoU,
            double? many, double? medium, double? few)
        {
            Confusion = confusion;
            Pixels = pixels;
            PerClassIoU = iou;
            PerClassAccuracy = classAccuracy;
            MeanIoU = meanIoU;
            PixelAccuracy = pixelAccuracy;
            MeanClassAccuracy = meanClassAccuracy;
            FrequencyWeightedIoU = frequencyWeightedIoU;
            ManyShotMeanIoU = many;
            MediumShotMeanIoU = medium;
            FewShotMeanIoU = few;
        }

        /// <summary><c>Confusion[t, p]</c>: evaluated pixels of true class t predicted as class p [C, C].</summary>
        public long[,] Confusion { get; }

        /// <summary>Evaluated (non-ignored) pixels.</summary>
        public long Pixels { get; }

        /// <summary>Intersection over union of each class, <c>TP / (TP + FP + FN)</c>; null where the union is empty.</summary>
        public IReadOnlyList<double?> PerClassIoU { get; }

        /// <summary>Recall of each class, <c>TP / (TP + FN)</c>; null for a class without target pixels.</summary>
        public IReadOnlyList<double?> PerClassAccuracy { get; }

        /// <summary>Mean of the defined <see cref="PerClassIoU"/> values.</summary>
        public double? MeanIoU { get; }

        /// <summary>Correctly predicted pixels over all evaluated pixels.</summary>
        public double? PixelAccuracy { get; }

        /// <summary>Mean of the defined <see cref="PerClassAccuracy"/> values.</summary>
        public double? MeanClassAccuracy { get; }

        /// <summary><c>sum_c (target pixels of c / pixels) * IoU_c</c> over the classes with target pixels.</summary>
        public double? FrequencyWeightedIoU { get; }

        /// <summary>Mean IoU over the many-shot classes (by training pixel count, see <see cref="Arbloss.Losses.LongTail.ShotGroups"/>).</summary>
        public double? ManyShotMeanIoU { get; }

        /// <summary>Mean IoU over the medium-shot classes.</summary>
        public double? MediumShotMeanIoU { get; }

        /// <summary>Mean IoU over the few-shot classes.</summary>
        public double? FewShotMeanIoU { get; }
    }
}
