using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// CIFAR-10 or CIFAR-100 from the official binary archives. Looks in the config's <c>data_path</c> (extracted
    /// folder or the <c>.tar.gz</c>), then the download cache, and downloads the archive when neither has it. The
    /// training set is cut to the config's long-tailed profile and augmented as in the authors' code (pad 4, random
    /// crop 32, horizontal flip, normalise); the test set is used whole and only normalised.
    /// </summary>
    public sealed class CifarProvider : IDatasetProvider
    {
        private readonly bool _hundred;

        /// <summary>Creates the provider.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10 (false).</param>
        public CifarProvider(bool hundred)
        {
            _hundred = hundred;
        }

        /// <inheritdoc />
        public string Name => _hundred ? "cifar100" : "cifar10";

        /// <inheritdoc />
        public string Description => _hundred
            ? "CIFAR-100, 100 classes, 32x32 colour; binary archive from data_path or downloaded"
            : "CIFAR-10, 10 classes, 32x32 colour; binary archive from data_path or downloaded";

        /// <inheritdoc />
        public int DefaultNumClasses => _hundred ? 100 : 10;

        /// <inheritdoc />
        public int? FixedNumClasses => DefaultNumClasses;

        /// <inheritdoc />
        public string DefaultBackbone => "resnet32";

        private DownloadSpec Spec => _hundred ? KnownDownloads.Cifar100 : KnownDownloads.Cifar10;

        /// <summary>The folders searched for the extracted files or the archive, in order.</summary>
        /// <param name="dataPath">The config's data_path, or empty.</param>
        /// <param name="context">Supplies the cache folder.</param>
        /// <returns>Folder paths.</returns>
        public IReadOnlyList<string> SearchFolders(string dataPath, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var folders = new List<string>();
            if (!string.IsNullOrWhiteSpace(dataPath)) folders.Add(dataPath);
            folders.Add(Path.Combine(context.CacheRoot, Name));
            return folders;
        }

        /// <inheritdoc />
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            var content = ReadFromDisk(config.DataPath, context) ?? ReadDownloaded(config.DataPath, context);
            var mean = _hundred ? new[] { 0.5071, 0.4865, 0.4409 } : new[] { 0.4914, 0.4822, 0.4465 };
            var std = _hundred ? new[] { 0.2673, 0.2564, 0.2762 } : new[] { 0.2023, 0.1994, 0.2010 };
            var train = new InMemoryImageSource(content.TrainPixels, content.TrainLabels, 3, 32, 32, mean, std, ImageAugmentation.PadCropFlip);
            var test = new InMemoryImageSource(content.TestPixels, content.TestLabels, 3, 32, 32, mean, std, ImageAugmentation.None);
            var subset = LongTailSubsets.Apply(train, config);
            return new DatasetSplits(LongTailSubsets.DatasetId(Name, config), DefaultNumClasses, subset, test, content.ClassNames);
        }

        private CifarBinaryReader.Content? ReadFromDisk(string dataPath, DataContext context)
        {
            foreach (var folder in SearchFolders(dataPath, context))
            {
                foreach (var candidate in new[] { folder, Path.Combine(folder, CifarBinaryReader.ArchiveFolder(_hundred)) })
                {
                    if (CifarBinaryReader.FolderHasBatches(candidate, _hundred))
                    {
                        context.Log.WriteLine($"{Name}: reading {candidate}");
                        return CifarBinaryReader.ReadFolder(candidate, _hundred);
                    }
                }
                var archive = Path.Combine(folder, Spec.FileName);
                if (File.Exists(archive))
                {
                    context.Log.WriteLine($"{Name}: reading {archive}");
                    return CifarBinaryReader.ReadArchive(archive, _hundred);
                }
            }
            return null;
        }

        private CifarBinaryReader.Content ReadDownloaded(string dataPath, DataContext context)
        {
            var searched = SearchFolders(dataPath, context);
            var target = string.IsNullOrWhiteSpace(dataPath) ? Path.Combine(context.CacheRoot, Name) : dataPath;
            string where = $"{Name} not found (looked in {string.Join(", ", searched)} for {Spec.FileName} or its extracted {CifarBinaryReader.ArchiveFolder(_hundred)}/)";
            string how = $"download {Spec.Url} on a connected machine and put it in data_path";
            if (!context.AllowDownload) throw new DatasetUnavailableException($"{where}; downloads are off: {how}.");
            context.Log.WriteLine($"{Name}: downloading {Spec.FileName} to {target}");
            string archive;
            try
            {
                archive = context.Downloader.Fetch(Spec, target);
            }
            catch (DownloadException e)
            {
                throw new DatasetUnavailableException($"{where} and the download failed: {e.Message}; {how}.", e);
            }
            return CifarBinaryReader.ReadArchive(archive, _hundred);
        }
    }
}
