using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// CIFAR-10 or CIFAR-100 from the official archives. In the config's <c>data_path</c>, then in the download cache,
    /// it looks for, in order: the python version that torchvision (and so the authors' code) reads (the folder
    /// <c>cifar-10-batches-py/</c> / <c>cifar-100-python/</c>, or that folder's files directly in the searched folder,
    /// then the archive <c>cifar-10-python.tar.gz</c> / <c>cifar-100-python.tar.gz</c>), then the binary version
    /// (<c>cifar-10-batches-bin/</c> / <c>cifar-100-binary/</c> or its files, then <c>cifar-10-binary.tar.gz</c> /
    /// <c>cifar-100-binary.tar.gz</c>). When none is found it downloads the python archive (SHA-256 and torchvision's
    /// MD5 checked) into data_path, or the cache when data_path is empty, and reads it without extracting. The
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
            ? "CIFAR-100, 100 classes, 32x32 colour; torchvision's python or the binary version from data_path, or downloaded"
            : "CIFAR-10, 10 classes, 32x32 colour; torchvision's python or the binary version from data_path, or downloaded";

        /// <inheritdoc />
        public int DefaultNumClasses => _hundred ? 100 : 10;

        /// <inheritdoc />
        public int? FixedNumClasses => DefaultNumClasses;

        /// <inheritdoc />
        public string DefaultBackbone => "resnet32";

        private DownloadSpec PythonSpec => _hundred ? KnownDownloads.Cifar100Python : KnownDownloads.Cifar10Python;

        private DownloadSpec BinarySpec => _hundred ? KnownDownloads.Cifar100 : KnownDownloads.Cifar10;

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

        private CifarContent? ReadFromDisk(string dataPath, DataContext context)
        {
            foreach (var folder in SearchFolders(dataPath, context))
            {
                foreach (var candidate in new[] { folder, Path.Combine(folder, CifarPickleReader.ArchiveFolder(_hundred)) })
                {
                    if (CifarPickleReader.FolderHasBatches(candidate, _hundred))
                    {
                        context.Log.WriteLine($"{Name}: reading {candidate} (python version)");
                        return CifarPickleReader.ReadFolder(candidate, _hundred, context.Log);
                    }
                }
                var pythonArchive = Path.Combine(folder, PythonSpec.FileName);
                if (File.Exists(pythonArchive))
                {
                    context.Log.WriteLine($"{Name}: reading {pythonArchive} (python version)");
                    return CifarPickleReader.ReadArchive(pythonArchive, _hundred, context.Log);
                }
                foreach (var candidate in new[] { folder, Path.Combine(folder, CifarBinaryReader.ArchiveFolder(_hundred)) })
                {
                    if (CifarBinaryReader.FolderHasBatches(candidate, _hundred))
                    {
                        context.Log.WriteLine($"{Name}: reading {candidate} (binary version)");
                        return CifarBinaryReader.ReadFolder(candidate, _hundred);
                    }
                }
                var binaryArchive = Path.Combine(folder, BinarySpec.FileName);
                if (File.Exists(binaryArchive))
                {
                    context.Log.WriteLine($"{Name}: reading {binaryArchive} (binary version)");
                    return CifarBinaryReader.ReadArchive(binaryArchive, _hundred);
                }
            }
            return null;
        }

        private CifarContent ReadDownloaded(string dataPath, DataContext context)
        {
            var searched = SearchFolders(dataPath, context);
            var target = string.IsNullOrWhiteSpace(dataPath) ? Path.Combine(context.CacheRoot, Name) : dataPath;
            string where = $"{Name} not found (looked in {string.Join(", ", searched)} for the python version {CifarPickleReader.ArchiveFolder(_hundred)}/ or {PythonSpec.FileName}, "
                + $"as torchvision reads it, or the binary version {CifarBinaryReader.ArchiveFolder(_hundred)}/ or {BinarySpec.FileName})";
            string how = $"download {PythonSpec.Url} on a connected machine and pass the folder holding it (or its extracted {CifarPickleReader.ArchiveFolder(_hundred)}/) with --set data_path=DIR";
            if (!context.AllowDownload) throw new DatasetUnavailableException($"{where}; downloads are off: {how}.");
            context.Log.WriteLine($"{Name}: downloading {PythonSpec.FileName} to {target}");
            string archive;
            try
            {
                archive = context.Downloader.Fetch(PythonSpec, target);
            }
            catch (DownloadException e)
            {
                throw new DatasetUnavailableException($"{where} and the download failed: {e.Message}; {how}.", e);
            }
            return CifarPickleReader.ReadArchive(archive, _hundred, context.Log);
        }
    }
}
