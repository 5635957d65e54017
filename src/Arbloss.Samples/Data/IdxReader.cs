using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Arbloss.Samples.Data
{
    /// <summary>Reads the idx files of MNIST-style datasets (plain or gzip-compressed): unsigned-byte images
    /// (magic 0x00000803) and labels (magic 0x00000801), big-endian headers.</summary>
    public static class IdxReader
    {
        /// <summary>Reads an image file.</summary>
        /// <param name="path">An idx3 file, optionally gzip-compressed.</param>
        /// <returns>The pixels (count x rows x cols bytes, row-major), the count, rows and cols.</returns>
        /// <exception cref="InvalidDataException">The file is not an unsigned-byte idx3 file or is truncated.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
        {
            var bytes = ReadAll(path);
            var header = Header(bytes, path, 0x00000803, 16);
            int count = header[0], rows = header[1], cols = header[2];
            long expected = 16L + (long)count * rows * cols;
            if (count < 0 || rows < 1 || cols < 1 || bytes.Length != expected)
                throw new InvalidDataException($"{path}: header says {count} images of {rows}x{cols} ({expected} bytes) but the file has {bytes.Length} bytes.");
            return (bytes.AsSpan(16).ToArray(), count, rows, cols);
        }

        /// <summary>Reads a label file.</summary>
        /// <param name="path">An idx1 file, optionally gzip-compressed.</param>
        /// <returns>The labels.</returns>
        /// <exception cref="InvalidDataException">The file is not an unsigned-byte idx1 file or is truncated.</exception>
        /// <exception cref="IOException">The file cannot be read.</exception>
        public static long[] ReadLabels(string path)
        {
            var bytes = ReadAll(path);
            int count = Header(bytes, path, 0x00000801, 8)[0];
            if (count < 0 || bytes.Length != 8L + count)
                throw new InvalidDataException($"{path}: header says {count} labels but the file has {bytes.Length - 8} label bytes.");
            var labels = new long[count];
            for (int i = 0; i < count; i++) labels[i] = bytes[8 + i];
            return labels;
        }

        private static int[] Header(byte[] bytes, string path, int magic, int headerSize)
        {
            if (bytes.Length < headerSize)
                throw new InvalidDataException($"{path}: too short for an idx file ({bytes.Length} bytes).");
            int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (found != magic)
                throw new InvalidDataException($"{path}: idx magic 0x{found:x8}, expected 0x{magic:x8}.");
            var dims = new int[(headerSize - 4) / 4];
            for (int i = 0; i < dims.Length; i++) dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            return dims;
        }

        private static byte[] ReadAll(string path)
        {
            using var file = File.OpenRead(path);
            var first = new byte[2];
            int n = file.Read(first, 0, 2);
            file.Position = 0;
            using var memory = new MemoryStream();
            try
            {
                if (n == 2 && first[0] == 0x1f && first[1] == 0x8b)
                {
                    using var gzip = new GZipStream(file, CompressionMode.Decompress);
                    gzip.CopyTo(memory);
                }
                else
                {
                    file.CopyTo(memory);
                }
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message}).", e);
            }
            return memory.ToArray();
        }
    }
}
