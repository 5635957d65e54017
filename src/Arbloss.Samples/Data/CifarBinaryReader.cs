using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Reads the binary versions of CIFAR-10 and CIFAR-100, either from the published <c>.tar.gz</c> archive
    /// directly or from its extracted folder. A CIFAR-10 record is 1 label byte then 3072 pixel bytes (1024 red,
    /// 1024 green, 1024 blue, row-major 32 x 32); a CIFAR-100 record has a coarse and a fine label byte first
    /// (the fine label is used).
    /// </summary>
    public static class CifarBinaryReader
    {
        /// <summary>Bytes of pixels per image (3 x 32 x 32).</summary>
        public const int ImageBytes = 3 * 32 * 32;

        /// <summary>File names of the training batches inside the archive's folder.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The names.</returns>
        public static IReadOnlyList<string> TrainFiles(bool hundred) => hundred
            ? new[] { "train.bin" }
            : new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" };

        /// <summary>File name of the test batch.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The name.</returns>
        public static string TestFile(bool hundred) => hundred ? "test.bin" : "test_batch.bin";

        /// <summary>Folder name inside the archive.</summary>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>The name.</returns>
        public static string ArchiveFolder(bool hundred) => hundred ? "cifar-100-binary" : "cifar-10-batches-bin";

        private static string MetaFile(bool hundred) => hundred ? "fine_label_names.txt" : "batches.meta.txt";

        /// <summary>Whether <paramref name="folder"/> holds all batch files.</summary>
        /// <param name="folder">A folder.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>True when every batch file exists.</returns>
        public static bool FolderHasBatches(string folder, bool hundred) =>
            Directory.Exists(folder) && TrainFiles(hundred).Append(TestFile(hundred)).All(f => File.Exists(Path.Combine(folder, f)));

        /// <summary>Reads an extracted folder.</summary>
        /// <param name="folder">The folder holding the <c>.bin</c> files.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>Both splits (see <see cref="CifarContent"/> for the pixel layout).</returns>
        /// <exception cref="InvalidDataException">A file's size is not a whole number of records, or a label is out of range.</exception>
        /// <exception cref="IOException">A file cannot be read.</exception>
        public static CifarContent ReadFolder(string folder, bool hundred)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var name in TrainFiles(hundred).Append(TestFile(hundred)))
                files[name] = File.ReadAllBytes(Path.Combine(folder, name));
            var meta = Path.Combine(folder, MetaFile(hundred));
            if (File.Exists(meta)) files[MetaFile(hundred)] = File.ReadAllBytes(meta);
            return Decode(files, hundred, folder);
        }

        /// <summary>Reads the published <c>.tar.gz</c> archive without extracting it.</summary>
        /// <param name="archive">The archive path.</param>
        /// <param name="hundred">CIFAR-100 (true) or CIFAR-10.</param>
        /// <returns>Both splits (see <see cref="CifarContent"/> for the pixel layout).</returns>
        /// <exception cref="InvalidDataException">The archive is corrupt or lacks a batch file, or a batch is malformed.</exception>
        /// <exception cref="IOException">The archive cannot be read.</exception>
        public static CifarContent ReadArchive(string archive, bool hundred)
        {
            var wanted = new HashSet<string>(TrainFiles(hundred).Append(TestFile(hundred)).Append(MetaFile(hundred)), StringComparer.Ordinal);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
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
                    using var memory = new MemoryStream();
                    entry.DataStream.CopyTo(memory);
                    files[name] = memory.ToArray();
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new InvalidDataException($"{archive}: not a readable .tar.gz archive ({e.Message}).", e);
            }
            foreach (var name in TrainFiles(hundred).Append(TestFile(hundred)))
                if (!files.ContainsKey(name)) throw new InvalidDataException($"{archive}: the archive has no {name}.");
            return Decode(files, hundred, archive);
        }

        private static CifarContent Decode(Dictionary<string, byte[]> files, bool hundred, string where)
        {
            var (trainPixels, trainLabels) = Records(TrainFiles(hundred).Select(n => (n, files[n])), hundred, where);
            var (testPixels, testLabels) = Records(new[] { (TestFile(hundred), files[TestFile(hundred)]) }, hundred, where);
            IReadOnlyList<string>? names = null;
            if (files.TryGetValue(MetaFile(hundred), out var meta))
            {
                var lines = System.Text.Encoding.ASCII.GetString(meta).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
                if (lines.Length == (hundred ? 100 : 10)) names = lines;
            }
            return new CifarContent(trainPixels, trainLabels, testPixels, testLabels, names);
        }

        private static (byte[] Pixels, long[] Labels) Records(IEnumerable<(string Name, byte[] Bytes)> batches, bool hundred, string where)
        {
            int labelBytes = hundred ? 2 : 1, record = labelBytes + ImageBytes, classes = hundred ? 100 : 10;
            var list = batches.ToList();
            foreach (var (name, bytes) in list)
                if (bytes.Length == 0 || bytes.Length % record != 0)
                    throw new InvalidDataException($"{where}: {name} has {bytes.Length} bytes, not a whole number of {record}-byte records.");
            int count = list.Sum(b => b.Bytes.Length / record);
            var pixels = new byte[(long)count * ImageBytes];
            var labels = new long[count];
            int i = 0;
            foreach (var (name, bytes) in list)
            {
                for (int offset = 0; offset < bytes.Length; offset += record, i++)
                {
                    int label = bytes[offset + labelBytes - 1];
                    if (label >= classes) throw new InvalidDataException($"{where}: {name} has label {label}, outside [0, {classes}).");
                    labels[i] = label;
                    Buffer.BlockCopy(bytes, offset + labelBytes, pixels, i * ImageBytes, ImageBytes);
                }
            }
            return (pixels, labels);
        }
    }
}
