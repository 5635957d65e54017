using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// The large long-tailed benchmarks that come as list files of JPEGs (the OLTR / authors' layout): ImageNet-LT
    /// (<c>dataset: imagenet-lt</c>), iNaturalist 2018 (<c>inaturalist2018</c>) and Places-LT (<c>places-lt</c>).
    /// <c>data_path</c> holds the two list files, <c>image_root</c> (default: <c>data_path</c>) the folder their image
    /// paths are relative to. Classes are re-mapped by descending training frequency (<see cref="ClassFrequencyMap"/>),
    /// the global counts come from the training list, and images are decoded and augmented as the authors do
    /// (<see cref="TrainImageTransform"/> / <see cref="EvalImageTransform"/> at <c>image_size</c>, default 224).
    /// Nothing is downloaded: these datasets need a licence or a large manual download.
    /// </summary>
    public sealed class ImageListProvider : IDatasetProvider
    {
        /// <summary>The authors' crop size, used when a config has no <c>image_size</c>.</summary>
        public const int DefaultImageSize = 224;

        /// <summary>Creates a provider for one benchmark.</summary>
        /// <param name="name">The config name, e.g. <c>imagenet-lt</c>.</param>
        /// <param name="spec">List file names and class count.</param>
        /// <param name="defaultBackbone">Backbone when a config has none.</param>
        /// <param name="source">Where users get the files, for the description and the "not found" message.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public ImageListProvider(string name, ImageListSpec spec, string defaultBackbone, string source)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Spec = spec ?? throw new ArgumentNullException(nameof(spec));
            DefaultBackbone = defaultBackbone ?? throw new ArgumentNullException(nameof(defaultBackbone));
            Source = source ?? throw new ArgumentNullException(nameof(source));
        }

        /// <summary>ImageNet-LT: 1000 classes, 115.8k training images (1280 to 5 per class), 50k test images.</summary>
        public static ImageListProvider ImageNetLT { get; } = new("imagenet-lt", ImageListSpec.ImageNetLT, "resnet50",
            "ImageNet 2012 images plus the ImageNet_LT_*.txt lists of Liu et al. (OLTR)");

        /// <summary>iNaturalist 2018: 8142 classes, 437.5k training images (1000 to 2 per class), 24.4k validation images.</summary>
        public static ImageListProvider INaturalist2018 { get; } = new("inaturalist2018", ImageListSpec.INaturalist2018, "resnet50",
            "the iNaturalist 2018 competition images plus the iNaturalist18_*.txt lists");

        /// <summary>Places-LT: 365 classes, 62.5k training images (4980 to 5 per class), 36.5k test images.</summary>
        public static ImageListProvider PlacesLT { get; } = new("places-lt", ImageListSpec.PlacesLT, "resnet152",
            "Places365-Standard images plus the Places_LT_*.txt lists of Liu et al. (OLTR)");

        /// <summary>The list files and class count.</summary>
        public ImageListSpec Spec { get; }

        /// <summary>Where users get the files.</summary>
        public string Source { get; }

        /// <inheritdoc />
        public string Name { get; }

        /// <inheritdoc />
        public string Description => $"{Spec.Name}, {Spec.NumClasses} classes: {Source}; data_path holds {Spec.TrainList} and {Spec.TestList}";

        /// <inheritdoc />
        public int DefaultNumClasses => Spec.NumClasses;

        /// <inheritdoc />
        public int? FixedNumClasses => Spec.NumClasses;

        /// <inheritdoc />
        public string DefaultBackbone { get; }

        /// <inheritdoc />
        /// <exception cref="ImageListException">A list line is malformed, a label is out of range or an image is missing.</exception>
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            var root = config.DataPath;
            if (string.IsNullOrWhiteSpace(root))
                throw new DatasetUnavailableException($"{Spec.Name} cannot be downloaded: set data_path (e.g. --set data_path=/data/{Name}) to the folder holding {Spec.TrainList} and {Spec.TestList} ({Source}).");
            var listFolder = ListFolder(root);
            var imageRoot = string.IsNullOrWhiteSpace(config.ImageRoot) ? root : config.ImageRoot;
            if (!Directory.Exists(imageRoot))
                throw new DatasetUnavailableException($"{Spec.Name}: the image folder '{imageRoot}' does not exist; set {(string.IsNullOrWhiteSpace(config.ImageRoot) ? "data_path" : "image_root")} to the folder the list's image paths are relative to (--set data_path=DIR).");
            var splits = ImageListSplits.Load(Path.Combine(listFolder, Spec.TrainList), Path.Combine(listFolder, Spec.TestList), imageRoot, Spec.NumClasses, new ImageListOptions { ImageRoot = imageRoot });
            var size = config.ImageSize > 0 ? config.ImageSize : DefaultImageSize;
            var resize = (int)Math.Round(size * 256.0 / 224.0);
            var eval = new EvalImageTransform(resize, size);
            var train = new ImageListSource(splits.Train, new TrainImageTransform(size), eval);
            var test = new ImageListSource(splits.Test, null, eval);
            var names = splits.ClassMap.NewToOriginal.Select(o => o.ToString(CultureInfo.InvariantCulture)).ToArray();
            context.Log.WriteLine($"{Spec.Name}: {train.Count} training and {test.Count} test images, lists in {listFolder}, images under {imageRoot}, {size} px crops");
            return new DatasetSplits(Name, splits.NumClasses, train, test, names);
        }

        /// <summary>The folder holding both list files: <paramref name="dataPath"/>, else the folder the authors' code
        /// hard-codes (<see cref="ImageListSpec.AuthorsListFolder"/>, relative to the working directory).</summary>
        /// <param name="dataPath">The config's data_path.</param>
        /// <returns>The folder.</returns>
        /// <exception cref="DatasetUnavailableException">Neither folder holds both lists.</exception>
        public string ListFolder(string dataPath)
        {
            var candidates = new List<string> { dataPath };
            if (Spec.AuthorsListFolder is string authors) candidates.Add(authors);
            foreach (var folder in candidates)
                if (File.Exists(Path.Combine(folder, Spec.TrainList)) && File.Exists(Path.Combine(folder, Spec.TestList)))
                    return folder;
            throw new DatasetUnavailableException($"{Spec.Name}: {Spec.TrainList} and {Spec.TestList} not found in {string.Join(" or ", candidates.Select(c => $"'{c}'"))}; put them in data_path (--set data_path=DIR), with the images under the same folder ({Source}).");
        }
    }
}
