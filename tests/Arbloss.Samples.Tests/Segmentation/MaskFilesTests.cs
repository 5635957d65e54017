using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using Arbloss.Samples.Data.ImageLists;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Segmentation
{
    /// <summary>Label masks and pair lists in the real layout: PNG files written byte by byte (signature, IHDR, zlib IDAT
    /// with filter bytes, IEND, CRCs) so the colour type and bit depth are exactly those of the real datasets.</summary>
    public class MaskFilesTests
    {
        /// <summary>A PNG of one channel: colour type 0 (grayscale) or 3 (palette, with a grey palette), 8-bit.</summary>
        internal static byte[] Png(int width, int height, byte[] values, byte colourType = 0, byte depth = 8)
        {
            using var file = new MemoryStream();
            file.Write(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
            var ihdr = new byte[13];
            WriteBigEndian(ihdr, 0, width);
            WriteBigEndian(ihdr, 4, height);
            ihdr[8] = depth;
            ihdr[9] = colourType;
            Chunk(file, "IHDR", ihdr);
            if (colourType == 3) Chunk(file, "PLTE", Enumerable.Range(0, 256).SelectMany(i => new[] { (byte)i, (byte)i, (byte)i }).ToArray());
            int bytesPerPixel = depth / 8;
            using var raw = new MemoryStream();
            for (int y = 0; y < height; y++)
            {
                raw.WriteByte(0);   // filter: none
                for (int x = 0; x < width; x++)
                    for (int b = 0; b < bytesPerPixel; b++) raw.WriteByte(b == bytesPerPixel - 1 ? values[y * width + x] : (byte)0);
            }
            using var compressed = new MemoryStream();
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) raw.WriteTo(z);
            Chunk(file, "IDAT", compressed.ToArray());
            Chunk(file, "IEND", Array.Empty<byte>());
            return file.ToArray();
        }

        private static void Chunk(Stream s, string type, byte[] data)
        {
            var length = new byte[4];
            WriteBigEndian(length, 0, data.Length);
            s.Write(length);
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(typed);
            var crc = new byte[4];
            WriteBigEndian(crc, 0, (int)Crc32(typed));
            s.Write(crc);
        }

        private static void WriteBigEndian(byte[] target, int offset, int value)
        {
            target[offset] = (byte)(value >> 24);
            target[offset + 1] = (byte)(value >> 16);
            target[offset + 2] = (byte)(value >> 8);
            target[offset + 3] = (byte)value;
        }

        private static uint Crc32(byte[] bytes)
        {
            uint crc = 0xFFFFFFFF;
            foreach (var b in bytes)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
            return ~crc;
        }

        [Fact]
        public void GrayscaleMaskValuesComeOutAsStored()
        {
            using var dir = new TempDir();
            var values = Enumerable.Range(0, 7 * 5).Select(i => (byte)(i % 6 == 5 ? 255 : i % 19)).ToArray();
            var path = dir.Combine("mask.png");
            File.WriteAllBytes(path, Png(7, 5, values));
            var (w, h, classes) = MaskDecoder.Decode(path);
            Assert.Equal((7, 5), (w, h));
            Assert.Equal(values, classes);
        }

        [Theory]
        [InlineData(3, 8, "palette")]
        [InlineData(0, 16, "bit depth 16")]
        public void PaletteAndSixteenBitMasksAreRefusedWithTheWayOut(byte colourType, byte depth, string words)
        {
            using var dir = new TempDir();
            var path = dir.Combine("mask.png");
            File.WriteAllBytes(path, Png(4, 4, new byte[16], colourType, depth));
            var e = Assert.Throws<InvalidDataException>(() => MaskDecoder.Decode(path));
            Assert.Contains(words, e.Message);
            Assert.Contains(path, e.Message);
        }

        [Fact]
        public void PairListsNameTheLineAtFault()
        {
            using var dir = new TempDir();
            Directory.CreateDirectory(dir.Combine("img"));
            Directory.CreateDirectory(dir.Combine("gt"));
            File.WriteAllBytes(dir.Combine("img", "a.png"), Png(2, 2, new byte[4]));
            File.WriteAllBytes(dir.Combine("gt", "a.png"), Png(2, 2, new byte[4]));
            var list = dir.Combine("train.txt");
            File.WriteAllText(list, "# image mask\nimg/a.png gt/a.png\n\n");
            var pairs = SegmentationPairList.Read(list, dir.Path);
            Assert.Equal(1, pairs.Count);
            Assert.Equal(dir.Combine("gt", "a.png"), pairs.MaskPath(0));
            Assert.Equal(2, pairs.Pairs[0].Line);
            File.WriteAllText(list, "img/a.png gt/a.png\nimg/a.png gt/missing.png\n");
            var e = Assert.Throws<ImageListException>(() => SegmentationPairList.Read(list, dir.Path));
            Assert.Equal(2, e.LineNumber);
            Assert.Contains("gt/missing.png", e.Message);
            File.WriteAllText(list, "img/a.png\n");
            Assert.Equal(1, Assert.Throws<ImageListException>(() => SegmentationPairList.Read(list, dir.Path)).LineNumber);
        }
    }
}
