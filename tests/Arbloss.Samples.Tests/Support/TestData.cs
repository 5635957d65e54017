using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>Writes small datasets in the real file formats.</summary>
    public static class TestData
    {
        /// <summary>An idx3 image file (optionally gzip-compressed).</summary>
        public static void WriteIdxImages(string path, byte[] pixels, int count, int rows, int cols, bool gzip)
        {
            var bytes = new byte[16 + pixels.Length];
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), 0x00000803);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
            pixels.CopyTo(bytes, 16);
            Write(path, bytes, gzip);
        }

        /// <summary>An idx1 label file (optionally gzip-compressed).</summary>
        public static void WriteIdxLabels(string path, IReadOnlyList<long> labels, bool gzip)
        {
            var bytes = new byte[8 + labels.Count];
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), 0x00000801);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Count);
            for (int i = 0; i < labels.Count; i++) bytes[8 + i] = (byte)labels[i];
            Write(path, bytes, gzip);
        }

        private static void Write(string path, byte[] bytes, bool gzip)
        {
            if (!gzip)
            {
                File.WriteAllBytes(path, bytes);
                return;
            }
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }

        /// <summary>
        /// A Fashion-MNIST-like folder: 28x28 images whose class shows as a bright band at row 2*label (plus noise), so a
        /// small network can learn it; <paramref name="trainPerClass"/> training and <paramref name="testPerClass"/> test
        /// images per class, the four .gz files named as the real ones.
        /// </summary>
        public static void WriteFashionMnist(string folder, int trainPerClass, int testPerClass, int seed = 1)
        {
            Directory.CreateDirectory(folder);
            var rng = new Random(seed);
            (byte[] Pixels, long[] Labels) Make(int perClass)
            {
                int n = perClass * 10;
                var pixels = new byte[n * 784];
                var labels = new long[n];
                for (int i = 0; i < n; i++)
                {
                    int label = i % 10;
                    labels[i] = label;
                    for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (byte)rng.Next(0, 60);
                    for (int r = 2 * label + 2; r < 2 * label + 6; r++)
                        for (int c = 4; c < 24; c++) pixels[i * 784 + r * 28 + c] = (byte)rng.Next(180, 256);
                }
                return (pixels, labels);
            }
            var train = Make(trainPerClass);
            var test = Make(testPerClass);
            WriteIdxImages(Path.Combine(folder, "train-images-idx3-ubyte.gz"), train.Pixels, train.Labels.Length, 28, 28, gzip: true);
            WriteIdxLabels(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), train.Labels, gzip: true);
            WriteIdxImages(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), test.Pixels, test.Labels.Length, 28, 28, gzip: true);
            WriteIdxLabels(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), test.Labels, gzip: true);
        }

        /// <summary>One CIFAR record: label byte(s) then 3072 pixel bytes whose value encodes (image, channel).</summary>
        public static byte[] CifarRecords(IReadOnlyList<int> labels, bool hundred, int firstImage)
        {
            int labelBytes = hundred ? 2 : 1, record = labelBytes + 3072;
            var bytes = new byte[labels.Count * record];
            for (int i = 0; i < labels.Count; i++)
            {
                int o = i * record;
                if (hundred)
                {
                    bytes[o] = (byte)(labels[i] / 5); // coarse label
                    bytes[o + 1] = (byte)labels[i];
                }
                else
                {
                    bytes[o] = (byte)labels[i];
                }
                for (int c = 0; c < 3; c++)
                    for (int p = 0; p < 1024; p++)
                        bytes[o + labelBytes + c * 1024 + p] = (byte)((firstImage + i) * 3 + c);
            }
            return bytes;
        }

        /// <summary>The batch files of a CIFAR binary dataset, in memory: file name to content.</summary>
        public static Dictionary<string, byte[]> CifarFiles(bool hundred, int trainPerFile, int test)
        {
            int classes = hundred ? 100 : 10;
            var files = new Dictionary<string, byte[]>();
            int image = 0;
            var trainNames = hundred ? new[] { "train.bin" } : Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray();
            foreach (var name in trainNames)
            {
                var labels = Enumerable.Range(image, trainPerFile).Select(i => i % classes).ToArray();
                files[name] = CifarRecords(labels, hundred, image);
                image += trainPerFile;
            }
            files[hundred ? "test.bin" : "test_batch.bin"] = CifarRecords(Enumerable.Range(0, test).Select(i => i % classes).ToArray(), hundred, image);
            var names = Enumerable.Range(0, classes).Select(i => $"class{i}");
            files[hundred ? "fine_label_names.txt" : "batches.meta.txt"] = System.Text.Encoding.ASCII.GetBytes(string.Join("\n", names) + "\n\n");
            return files;
        }

        /// <summary>Writes the files as the published .tar.gz (inside the archive's folder).</summary>
        public static void WriteTarGz(string path, string folderInArchive, Dictionary<string, byte[]> files)
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, folderInArchive + "/"));
            foreach (var (name, bytes) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{folderInArchive}/{name}") { DataStream = new MemoryStream(bytes) };
                tar.WriteEntry(entry);
            }
        }
    }
}
