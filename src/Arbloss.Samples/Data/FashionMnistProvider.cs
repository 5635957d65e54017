using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Fashion-MNIST (28 x 28 grey images, 10 classes, 60000 training and 10000 test images) from the four idx
    /// files. Looks in the config's <c>data_path</c>, then <c>/usr/share/datasets/fashion-mnist</c> (Debian's
    /// <c>dataset-fashion-mnist</c>), then the download cache; downloads when none has them. The training set is
    /// cut to the config's long-tailed profile; the test set is used whole. Plain normalisation, no augmentation.
    /// </summary>
    public sealed class FashionMnistProvider : IDatasetProvider
    {
        /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
        public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

        /// <summary>The four file names, training images and labels, then test images and labels.</summary>
        public static IReadOnlyList<string> FileNames { get; } = new[]
        {
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
        };

        /// <summary>The class names in label order.</summary>
        public static IReadOnlyList<string> ClassNames { get; } = new[]
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        private readonly IReadOnlyList<string> _systemFolders;

        /// <summary>Creates the provider.</summary>
        /// <param name="systemFolders">Folders searched after data_path and before the cache; null for
        /// <see cref="DebianFolder"/>.</param>
        public FashionMnistProvider(IReadOnlyList<string>? systemFolders = null)
        {
            _systemFolders = systemFolders ?? new[] { DebianFolder };
        }

        /// <inheritdoc />
        public string Name => "fashion-mnist";

        /// <inheritdoc />
        public string Description => "Fashion-MNIST, 10 classes, 28x28 grey; idx files from data_path, Debian's dataset-fashion-mnist, or downloaded";

        /// <inheritdoc />
        public int DefaultNumClasses => 10;

        /// <inheritdoc />
        public int? FixedNumClasses => 10;

        /// <inheritdoc />
        public string DefaultBackbone => "fashion_mnist_cnn";

        /// <summary>Finds a folder holding all four files (each plain or <c>.gz</c>), without downloading.</summary>
        /// <param name="dataPath">The config's data_path, or empty.</param>
        /// <param name="context">Supplies the cache folder.</param>
        /// <returns>The folder, or null.</returns>
        public string? Locate(string dataPath, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            return SearchFolders(dataPath, context).FirstOrDefault(HasFiles);
        }

        /// <summary>Finds the files, or downloads them when allowed.</summary>
        /// <param name="dataPath">The config's data_path, or empty.</param>
        /// <param name="context">Downloader, cache folder and log.</param>
        /// <returns>A folder holding the four files.</returns>
        /// <exception cref="DatasetUnavailableException">Not found and not downloadable; the one-line message says
        /// where the app looked and how to get the data.</exception>
        public string Prepare(string dataPath, DataContext context) => Locate(dataPath, context) ?? Download(dataPath, context);

        /// <summary>The folders searched, in order.</summary>
        /// <param name="dataPath">The config's data_path, or empty.</param>
        /// <param name="context">Supplies the cache folder.</param>
        /// <returns>Folder paths.</returns>
        public IReadOnlyList<string> SearchFolders(string dataPath, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var folders = new List<string>();
            if (!string.IsNullOrWhiteSpace(dataPath)) folders.Add(dataPath);
            folders.AddRange(_systemFolders);
            folders.Add(Path.Combine(context.CacheRoot, Name));
            return folders;
        }

        /// <inheritdoc />
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            var folder = Prepare(config.DataPath, context);
            context.Log.WriteLine($"Fashion-MNIST: reading {folder}");
            var (trainPixels, trainCount, rows, cols) = IdxReader.ReadImages(FilePath(folder, FileNames[0]));
            var trainLabels = IdxReader.ReadLabels(FilePath(folder, FileNames[1]));
            var (testPixels, testCount, testRows, testCols) = IdxReader.ReadImages(FilePath(folder, FileNames[2]));
            var testLabels = IdxReader.ReadLabels(FilePath(folder, FileNames[3]));
            if (trainLabels.Length != trainCount || testLabels.Length != testCount)
                throw new InvalidDataException($"{folder}: image and label counts differ ({trainCount} vs {trainLabels.Length}, {testCount} vs {testLabels.Length}).");
            if (rows != testRows || cols != testCols)
                throw new InvalidDataException($"{folder}: training images are {rows}x{cols} but test images are {testRows}x{testCols}.");
            var mean = new[] { 0.2860 };
            var std = new[] { 0.3530 };
            var train = new InMemoryImageSource(trainPixels, trainLabels, 1, rows, cols, mean, std, ImageAugmentation.None);
            var test = new InMemoryImageSource(testPixels, testLabels, 1, testRows, testCols, mean, std, ImageAugmentation.None);
            var subset = LongTailSubsets.Apply(train, config);
            return new DatasetSplits(LongTailSubsets.DatasetId(Name, config), 10, subset, test, ClassNames);
        }

        private string Download(string dataPath, DataContext context)
        {
            var searched = SearchFolders(dataPath, context);
            var target = string.IsNullOrWhiteSpace(dataPath) ? Path.Combine(context.CacheRoot, Name) : dataPath;
            string Where() => $"Fashion-MNIST not found (looked in {string.Join(", ", searched)})";
            const string how = "install Debian's package (sudo apt-get install dataset-fashion-mnist) or pass --data DIR / set data_path to a folder with the four idx .gz files";
            if (!context.AllowDownload)
                throw new DatasetUnavailableException($"{Where()}; downloads are off: {how}.");
            context.Log.WriteLine($"Fashion-MNIST: downloading to {target}");
            try
            {
                foreach (var spec in KnownDownloads.FashionMnist) context.Downloader.Fetch(spec, target);
            }
            catch (DownloadException e)
            {
                throw new DatasetUnavailableException($"{Where()} and the download failed: {e.Message}; {how}.", e);
            }
            return target;
        }

        private static bool HasFiles(string folder) =>
            Directory.Exists(folder) && FileNames.All(name => File.Exists(Path.Combine(folder, name + ".gz")) || File.Exists(Path.Combine(folder, name)));

        private static string FilePath(string folder, string name)
        {
            var gz = Path.Combine(folder, name + ".gz");
            return File.Exists(gz) ? gz : Path.Combine(folder, name);
        }
    }
}
