using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A dataset the samples app can train on, registered by name in <see cref="DatasetRegistry"/> and selected by
    /// the config's <c>dataset:</c> key. To add one: implement this interface (usually returning
    /// <see cref="InMemoryImageSource"/>s or your own <see cref="ISampleSource"/>) and add it to the registry.
    /// </summary>
    public interface IDatasetProvider
    {
        /// <summary>The name used in configs, e.g. <c>cifar10</c>.</summary>
        string Name { get; }

        /// <summary>One line describing the dataset and where its files come from.</summary>
        string Description { get; }

        /// <summary>Number of classes assumed when a config omits <c>num_classes</c>.</summary>
        int DefaultNumClasses { get; }

        /// <summary>The dataset's fixed number of classes (a config saying otherwise is an error), or null when it varies.</summary>
        int? FixedNumClasses { get; }

        /// <summary>Backbone assumed when a config omits <c>backbone</c>.</summary>
        string DefaultBackbone { get; }

        /// <summary>Whether the dataset is a segmentation dataset: its sources have dense targets
        /// (<see cref="ISampleSource.TargetShape"/>) and its splits carry training pixel counts; trained by the
        /// segmentation trainer with a dense backbone. False (the default) for classification datasets.</summary>
        bool IsSegmentation => false;

        /// <summary>Loads the splits a run trains and evaluates on, downloading files when allowed and needed.</summary>
        /// <param name="config">The run's configuration (data_path, num_classes, imb_factor, imb_profile, seed ...).</param>
        /// <param name="context">Where to report progress and how to download.</param>
        /// <returns>The training and test sets.</returns>
        /// <exception cref="DatasetUnavailableException">The files are neither present nor downloadable; the
        /// message says in one line where the provider looked and how to get them.</exception>
        /// <exception cref="System.IO.InvalidDataException">A file is present but malformed.</exception>
        DatasetSplits Load(TrainingConfig config, DataContext context);
    }
}
