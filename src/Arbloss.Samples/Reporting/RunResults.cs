using System.Collections.Generic;

namespace Arbloss.Samples.Reporting
{
    /// <summary>The content of a run's <c>results.json</c> (accuracies and calibration error in percent, of the last epoch).</summary>
    public sealed record RunResults
    {
        /// <summary>Run name.</summary>
        public string Name { get; init; } = "";

        /// <summary>Dataset identifier, e.g. <c>fashion-mnist-lt</c>.</summary>
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

        /// <summary>Test top-1 accuracy after the last epoch.</summary>
        public double Top1 { get; init; }

        /// <summary>Test top-5 accuracy after the last epoch.</summary>
        public double Top5 { get; init; }

        /// <summary>Many-shot accuracy (mean over the group's classes), or null when the group is empty.</summary>
        public double? Many { get; init; }

        /// <summary>Medium-shot accuracy, or null when the group is empty.</summary>
        public double? Medium { get; init; }

        /// <summary>Few-shot accuracy, or null when the group is empty.</summary>
        public double? Few { get; init; }

        /// <summary>Expected calibration error (15 bins).</summary>
        public double Ece { get; init; }

        /// <summary>Best test top-1 over the epochs.</summary>
        public double BestTop1 { get; init; }

        /// <summary>Epoch (from 1) of the best test top-1.</summary>
        public int BestEpoch { get; init; }

        /// <summary>Display name of every class (the dataset's names, e.g. Fashion-MNIST's "T-shirt/top"; else the index).</summary>
        public IReadOnlyList<string> ClassNames { get; init; } = new List<string>();

        /// <summary>Every epoch's log row (the numbers of the accuracy-per-epoch plots).</summary>
        public IReadOnlyList<EpochRecord> History { get; init; } = new List<EpochRecord>();

        /// <summary>Repulsion over attraction of every class, per epoch (index 0 is epoch 1): the epoch-mean repulsion norm
        /// of the class's classifier row divided by its epoch-mean attraction norm (see the package's
        /// <c>GradientBalanceAccumulator</c>); null where it is undefined. Above 1 the row is pushed away from its
        /// samples' features more than it is pulled towards them. Empty when <c>gradient_balance</c> is off.</summary>
        public IReadOnlyList<IReadOnlyList<double?>> RepulsionOverAttractionByEpoch { get; init; } = new List<IReadOnlyList<double?>>();

        /// <summary>The first epoch's <see cref="RepulsionOverAttractionByEpoch"/> (empty when not collected).</summary>
        [System.Text.Json.Serialization.JsonIgnore]
        public IReadOnlyList<double?> FirstEpochRatio => RepulsionOverAttractionByEpoch.Count > 0 ? RepulsionOverAttractionByEpoch[0] : new List<double?>();

        /// <summary>The last epoch's <see cref="RepulsionOverAttractionByEpoch"/> (empty when not collected).</summary>
        [System.Text.Json.Serialization.JsonIgnore]
        public IReadOnlyList<double?> LastEpochRatio => RepulsionOverAttractionByEpoch.Count > 0 ? RepulsionOverAttractionByEpoch[^1] : new List<double?>();

        /// <summary>Test accuracy of every class, in percent; null for a class without test images.</summary>
        public IReadOnlyList<double?> PerClassAccuracy { get; init; } = new List<double?>();

        /// <summary>Training samples of every class.</summary>
        public IReadOnlyList<long> TrainClassCounts { get; init; } = new List<long>();

        /// <summary>Test samples of every class.</summary>
        public IReadOnlyList<long> TestClassCounts { get; init; } = new List<long>();

        /// <summary>The class indices of the many-, medium- and few-shot groups.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<int>> ShotGroups { get; init; } = new Dictionary<string, IReadOnlyList<int>>();

        /// <summary>The last epoch's reliability diagram.</summary>
        public IReadOnlyList<ReliabilityPoint> Reliability { get; init; } = new List<ReliabilityPoint>();

        /// <summary>Wall-clock seconds of the whole run (data loading, training, evaluation, checkpoints), summed over resumes.</summary>
        public double Seconds { get; init; }

        /// <summary>Seconds spent in training passes.</summary>
        public double TrainSeconds { get; init; }

        /// <summary>Training images per second over the training passes.</summary>
        public double ImagesPerSecond { get; init; }

        /// <summary>Trainable parameters of the model.</summary>
        public long Parameters { get; init; }
    }
}
