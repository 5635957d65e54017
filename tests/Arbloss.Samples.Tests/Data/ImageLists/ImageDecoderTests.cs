using System;
using System.IO;
using Arbloss.Samples.Data.ImageLists;
using SkiaSharp;
using Xunit;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    public class ImageDecoderTests
    {
        private static (byte R, byte G, byte B) Quadrants(int x, int y) => (x < 20, y < 15) switch
        {
            (true, true) => (230, 20, 20),
            (false, true) => (20, 230, 20),
            (true, false) => (20, 20, 230),
            _ => (240, 240, 240),
        };

        [Fact]
        public void JpegRoundTripKeepsSizeAndColours()
        {
            using var temp = new TempFolder();
            var path = temp.File("train/n0/a.JPEG");
            TestImages.Write(path, 40, 30, Quadrants);
            using var image = ImageDecoder.Decode(path);
            Assert.Equal(40, image.Width);
            Assert.Equal(30, image.Height);
            Assert.Equal(40 * 30 * 4, image.Pixels.Length);
            foreach (var (x, y) in new[] { (5, 5), (34, 4), (6, 25), (33, 26) })
            {
                var (r, g, b) = Quadrants(x, y);
                var i = (y * 40 + x) * 4;
                Assert.InRange(image.Pixels[i], r - 12, r + 12);
                Assert.InRange(image.Pixels[i + 1], g - 12, g + 12);
                Assert.InRange(image.Pixels[i + 2], b - 12, b + 12);
                Assert.Equal(255, image.Pixels[i + 3]);
            }
        }

        [Fact]
        public void PngDecodesExactlyAndFromMemory()
        {
            using var temp = new TempFolder();
            var path = temp.File("p.png");
            TestImages.Write(path, 13, 7, TestImages.Pattern, SKEncodedImageFormat.Png);
            using var fromFile = ImageDecoder.Decode(path);
            using var fromBytes = ImageDecoder.Decode(File.ReadAllBytes(path), "p.png");
            for (var y = 0; y < 7; y++)
                for (var x = 0; x < 13; x++)
                {
                    var (r, g, b) = TestImages.Pattern(x, y);
                    var i = (y * 13 + x) * 4;
                    Assert.Equal(new[] { r, g, b }, fromFile.Pixels.Slice(i, 3).ToArray());
                }
            Assert.True(fromFile.Pixels.SequenceEqual(fromBytes.Pixels));
        }

        [Fact]
        public void GrayscaleJpegComesOutAsRgb()
        {
            using var temp = new TempFolder();
            var path = temp.File("gray.jpg");
            TestImages.WriteGrayJpeg(path, 16, 16, (x, y) => (byte)(x * 16));
            using var image = ImageDecoder.Decode(path);
            for (var i = 0; i < image.Pixels.Length; i += 4)
            {
                Assert.Equal(image.Pixels[i], image.Pixels[i + 1]);
                Assert.Equal(image.Pixels[i], image.Pixels[i + 2]);
            }
        }

        [Fact]
        public void MissingTruncatedOrForeignFilesFailClearly()
        {
            using var temp = new TempFolder();
            Assert.Throws<FileNotFoundException>(() => ImageDecoder.Decode(temp.File("none.jpg")));
            var text = temp.File("notes.jpg");
            File.WriteAllText(text, "this is not a JPEG");
            Assert.Contains("notes.jpg", Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(text)).Message);
            var full = temp.File("full.jpg");
            TestImages.Write(full, 64, 48, TestImages.Pattern);
            var bytes = File.ReadAllBytes(full);
            var cut = temp.File("cut.jpg");
            File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
            Assert.Contains("truncated or corrupt", Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(cut)).Message);
            Assert.Throws<ArgumentException>(() => ImageDecoder.Decode(""));
        }

        [Fact]
        public void DisposedImageRefusesPixelAccess()
        {
            var image = TestImages.Image(2, 2, (x, y) => (1, 2, 3));
            image.Dispose();
            Assert.Throws<ObjectDisposedException>(() => image.Pixels.Length);
            Assert.Throws<ArgumentException>(() => new RgbaImage(4, 4, new byte[10]));
        }
    }
}
