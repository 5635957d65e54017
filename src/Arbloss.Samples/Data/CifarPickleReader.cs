using System;
using System.Collections;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Reads the python versions of CIFAR-10 and CIFAR-100, the layout torchvision's <c>CIFAR10</c>/<c>CIFAR100</c>
    /// (and so the authors' code) reads: the folder <c>cifar-10-batches-py/</c> (<c>data_batch_1</c> ...
    /// <c>data_batch_5</c>, <c>test_batch</c>, <c>batches.meta</c>) or <c>cifar-100-python/</c> (<c>train</c>,
    /// <c>test</c>, <c>meta</c>), extracted or straight from the published <c>.tar.gz</c>. Each batch is a Python-2
    /// pickle of a dict whose <c>data</c> is a uint8 numpy array [N, 3072] and whose <c>labels</c> (CIFAR-10) or
    /// <c>fine_labels</c> (CIFAR-100) is a list of N ints; the meta file's <c>label_names</c> /
    /// <c>fine_label_names</c> give the class names. As torchvision does, a batch's <c>labels</c> is used when present,
    /// else its <c>fine_labels</c>. Pixels land as torchvision's <c>data.reshape(-1, 3, 32, 32)</c> puts them (see
    /// <see cref="CifarContent"/>). Unlike torchvision, a copy whose files differ from the published MD5s is read
    /// anyway (its batches are validated instead); the optional log says whether the files match.
    /// </summary>
    public static class CifarPickleReader
    {
        /// <summary>Bytes of pixels per image (3 x 32 x 32).</summary>
        public const int ImageBytes = 3 * 32 * 32;

        /// <summary>File names of the training batches inside the archive's folder.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The names, in torchvision's order.</returns>
        public static IReadOnlyList<string> TrainFiles(bool hundred) => hundred
            ? new[] { "train" }
            : new[] { "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5" };

        /// <summary>File name of the test batch.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The name.</returns>
        public static string TestFile(bool hundred) => hundred ? "test" : "test_batch";

        /// <summary>File name of the meta file holding the class names.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The name.</returns>
        public static string MetaFile(bool hundred) => hundred ? "meta" : "batches.meta";

        /// <summary>The meta file's key for the class names (torchvision's <c>meta["key"]</c>).</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The key.</returns>
        public static string ClassNamesKey(bool hundred) => hundred ? "fine_label_names" : "label_names";

        /// <summary>Folder name inside the archive (torchvision's <c>base_folder</c>).</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The name.</returns>
        public static string ArchiveFolder(bool hundred) => hundred ? "cifar-100-python" : "cifar-10-batches-py";

        /// <summary>The MD5 torchvision expects for a file of the published archive.</summary>
        /// <param name="fileName">A batch or meta file name, e.g. <c>data_batch_1</c>.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>Lower-case hex MD5, or null for a name that is not part of the dataset.</returns>
        public static string? PublishedMd5(string fileName, bool hundred) => (hundred ? Cifar100Md5 : Cifar10Md5).GetValueOrDefault(fileName);

        // From torchvision/datasets/cifar.py (train_list, test_list, meta).
        private static readonly Dictionary<string, string> Cifar10Md5 = new(StringComparer.Ordinal)
        {
            ["data_batch_1"] = "c99cafc152244af753f735de768cd75f",
            ["data_batch_2"] = "d4bba439e000b95fd0a9bffe97cbabec",
            ["data_batch_3"] = "54ebc095f3ab1f0389bbae665268c751",
            ["data_batch_4"] = "634d18415352ddfa80567beed471001a",
            ["data_batch_5"] = "482c414d41f54cd18b22e5b47cb7c3cb",
            ["test_batch"] = "40351d587109b95175f43aff81a1287e",
            ["batches.meta"] = "5ff9c542aee3614f3951f8cda6e48888",
        };

        private static readonly Dictionary<string, string> Cifar100Md5 = new(StringComparer.Ordinal)
        {
            ["train"] = "16019d7e3df5f24257cddd939b257f8d",
            ["test"] = "f0ef6b0ae62326f3e7ffdfab6717acfc",
            ["meta"] = "7973b15100ade9c7d40fb424638fde48",
        };

        /// <summary>Whether <paramref name="folder"/> holds all batch files (the meta file is optional).</summary>
        /// <param name="folder">A folder.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>True when every batch file exists.</returns>
        public static bool FolderHasBatches(string folder, bool hundred) =>
            Directory.Exists(folder) && BatchFiles(hundred).All(f => File.Exists(Path.Combine(folder, f)));

        /// <summary>Reads an extracted folder.</summary>
        /// <param name="folder">The folder holding the batch files (e.g. <c>.../cifar-10-batches-py</c>).</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <param name="log">Receives one line saying whether the files match torchvision's published MD5s; null for none.</param>
        /// <returns>Both splits (see <see cref="CifarContent"/> for the pixel layout).</returns>
        /// <exception cref="InvalidDataException">A file is not a readable pickle, lacks a key, has the wrong dtype,
        /// shape or size, a label count that differs from its image count, or a label outside the classes; the
        /// message names the file and what is wrong.</exception>
        /// <exception cref="IOException">A file cannot be read.</exception>
        public static CifarContent ReadFolder(string folder, bool hundred, TextWriter? log = null)
        {
            ArgumentNullException.ThrowIfNull(folder);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var name in BatchFiles(hundred))
                files[name] = File.ReadAllBytes(Path.Combine(folder, name));
            var meta = Path.Combine(folder, MetaFile(hundred));
            if (File.Exists(meta)) files[MetaFile(hundred)] = File.ReadAllBytes(meta);
            return Decode(files, hundred, folder, log);
        }

        /// <summary>Reads the published <c>.tar.gz</c> archive without extracting it (entries are matched by file name).</summary>
        /// <param name="archive">The archive path, e.g. <c>cifar-10-python.tar.gz</c>.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <param name="log">Receives one line saying whether the files match torchvision's published MD5s; null for none.</param>
        /// <returns>Both splits (see <see cref="CifarContent"/> for the pixel layout).</returns>
        /// <exception cref="InvalidDataException">The archive is corrupt, lacks a batch file or holds one twice, or a
        /// batch is malformed (see <see cref="ReadFolder"/>).</exception>
        /// <exception cref="IOException">The archive cannot be read.</exception>
        public static CifarContent ReadArchive(string archive, bool hundred, TextWriter? log = null)
        {
            ArgumentNullException.ThrowIfNull(archive);
            var wanted = new HashSet<string>(BatchFiles(hundred).Append(MetaFile(hundred)), StringComparer.Ordinal);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var paths = new Dictionary<string, string>(StringComparer.Ordinal);
            string? twice = null;
            try
            {
                using var stream = File.OpenRead(archive);
                using var gzip = new GZipStream(stream, CompressionMode.Decompress);
                using var tar = new TarReader(gzip);
                TarEntry? entry;
                while ((entry = tar.GetNextEntry()) is not null)
                {
                    var name = Path.GetFileName(entry.Name);
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !wanted.Contains(name) || entry.DataStream is null) continue;
                    if (paths.TryGetValue(name, out var earlier)) twice ??= $"{name} twice ({earlier} and {entry.Name})";
                    paths[name] = entry.Name;
                    using var memory = new MemoryStream();
                    entry.DataStream.CopyTo(memory);
                    files[name] = memory.ToArray();
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new InvalidDataException($"{archive}: not a readable .tar.gz archive ({e.Message}).", e);
            }
            if (twice is not null) throw new InvalidDataException($"{archive}: the archive holds {twice}.");
            foreach (var name in BatchFiles(hundred))
                if (!files.ContainsKey(name)) throw new InvalidDataException($"{archive}: the archive has no {name} (expected {ArchiveFolder(hundred)}/{name}).");
            return Decode(files, hundred, archive, log);
        }

        /// <summary>Decodes one batch pickle.</summary>
        /// <param name="pickle">The file's bytes.</param>
        /// <param name="classes">Number of classes; labels must lie in [0, classes).</param>
        /// <param name="where">Names the file in messages.</param>
        /// <returns>The images (N x 3072 bytes, channel-major) and labels.</returns>
        /// <exception cref="InvalidDataException">The batch is malformed; the message starts with <paramref name="where"/>.</exception>
        internal static (byte[] Pixels, long[] Labels) ReadBatch(byte[] pickle, int classes, string where)
        {
            var dict = Dict(pickle, where);
            if (!dict.TryGetValue("data", out var data))
                throw new InvalidDataException($"{where}: the batch has no 'data' entry (keys: {Keys(dict)}).");
            string labelKey = dict.ContainsKey("labels") ? "labels" : "fine_labels";
            if (!dict.TryGetValue(labelKey, out var labelValue))
                throw new InvalidDataException($"{where}: the batch has neither 'labels' nor 'fine_labels' (keys: {Keys(dict)}).");
            var labelList = labelValue as IList ?? throw new InvalidDataException($"{where}: '{labelKey}' is {NumpyPickle.TypeName(labelValue)}, expected a list of ints.");
            var labels = new long[labelList.Count];
            for (int i = 0; i < labels.Length; i++)
            {
                long? label = NumpyPickle.AsInteger(labelList[i]);
                if (label is not long l)
                    throw new InvalidDataException($"{where}: '{labelKey}'[{i}] is {NumpyPickle.TypeName(labelList[i])}, expected an int.");
                if (l < 0 || l >= classes)
                    throw new InvalidDataException($"{where}: '{labelKey}'[{i}] is label {l}, outside [0, {classes}).");
                labels[i] = l;
            }

            byte[] pixels;
            long[] shape;
            try
            {
                (pixels, shape) = NumpyPickle.UInt8Array(data, $"{where}: 'data'");
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{where}: 'data' has an impossibly large shape.");
            }
            // torchvision: np.vstack(data).reshape(-1, 3, 32, 32), i.e. any shape of whole 3072-byte images, row-major.
            if (shape.Length == 0 || pixels.LongLength % ImageBytes != 0)
                throw new InvalidDataException($"{where}: 'data' has shape ({string.Join(", ", shape)}), not whole {ImageBytes}-byte images (expected [N, {ImageBytes}]).");
            long images = pixels.LongLength / ImageBytes;
            if (images != labels.Length)
                throw new InvalidDataException($"{where}: 'data' holds {images} images but '{labelKey}' has {labels.Length} labels.");
            return (pixels, labels);
        }

        /// <summary>Decodes a meta pickle's class names.</summary>
        /// <param name="pickle">The file's bytes.</param>
        /// <param name="hundred">CIFAR-100 (true, key <c>fine_label_names</c>) or CIFAR-10 (<c>label_names</c>).</param>
        /// <param name="where">Names the file in messages.</param>
        /// <returns>The class names, one per class.</returns>
        /// <exception cref="InvalidDataException">The file is malformed, lacks the key, or names a different number of classes.</exception>
        internal static IReadOnlyList<string> ReadClassNames(byte[] pickle, bool hundred, string where)
        {
            var dict = Dict(pickle, where);
            string key = ClassNamesKey(hundred);
            int classes = hundred ? 100 : 10;
            if (!dict.TryGetValue(key, out var value))
                throw new InvalidDataException($"{where}: the meta file has no '{key}' entry (keys: {Keys(dict)}).");
            if (value is not IList list)
                throw new InvalidDataException($"{where}: '{key}' is {NumpyPickle.TypeName(value)}, expected a list of strings.");
            if (list.Count != classes)
                throw new InvalidDataException($"{where}: '{key}' has {list.Count} names, expected {classes}.");
            var names = new string[classes];
            for (int i = 0; i < classes; i++)
                names[i] = NumpyPickle.AsText(list[i]) ?? throw new InvalidDataException($"{where}: '{key}'[{i}] is {NumpyPickle.TypeName(list[i])}, expected a string.");
            return names;
        }

        private static IEnumerable<string> BatchFiles(bool hundred) => TrainFiles(hundred).Append(TestFile(hundred));

        private static CifarContent Decode(Dictionary<string, byte[]> files, bool hundred, string where, TextWriter? log)
        {
            int classes = hundred ? 100 : 10;
            if (log is not null) LogChecksums(files, hundred, log);
            var train = TrainFiles(hundred).Select(n => ReadBatch(files[n], classes, Path.Combine(where, n))).ToList();
            var test = ReadBatch(files[TestFile(hundred)], classes, Path.Combine(where, TestFile(hundred)));
            var names = files.TryGetValue(MetaFile(hundred), out var meta) ? ReadClassNames(meta, hundred, Path.Combine(where, MetaFile(hundred))) : null;
            var trainPixels = new byte[train.Sum(b => b.Pixels.LongLength)];
            long offset = 0;
            foreach (var (pixels, _) in train)
            {
                pixels.CopyTo(trainPixels, offset);
                offset += pixels.LongLength;
            }
            var trainLabels = train.SelectMany(b => b.Labels).ToArray();
            return new CifarContent(trainPixels, trainLabels, test.Pixels, test.Labels, names);
        }

        private static void LogChecksums(Dictionary<string, byte[]> files, bool hundred, TextWriter log)
        {
            var differ = files.Keys.Where(n => PublishedMd5(n, hundred) is string md5 && Convert.ToHexStringLower(MD5.HashData(files[n])) != md5)
                .OrderBy(n => n, StringComparer.Ordinal).ToList();
            string dataset = hundred ? "cifar100" : "cifar10";
            log.WriteLine(differ.Count == 0
                ? $"{dataset}: all {files.Count} files match torchvision's published MD5s"
                : $"{dataset}: {string.Join(", ", differ)} differ from torchvision's published MD5s (a modified or partial copy: torchvision would refuse it; read anyway)");
        }

        private static Dictionary<string, object?> Dict(byte[] pickle, string where)
        {
            object? root;
            try
            {
                root = NumpyPickle.Load(pickle);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{where}: {e.Message}.", e);
            }
            if (root is not Hashtable table)
                throw new InvalidDataException($"{where}: the pickle holds {NumpyPickle.TypeName(root)}, expected a dict.");
            // Python-2 str keys arrive as strings; a re-pickled copy may use bytes keys.
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in table)
                if (NumpyPickle.AsText(entry.Key) is string key) dict[key] = entry.Value;
            return dict;
        }

        private static string Keys(Dictionary<string, object?> dict) =>
            dict.Count == 0 ? "none" : string.Join(", ", dict.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(k => $"'{k}'"));
    }
}
