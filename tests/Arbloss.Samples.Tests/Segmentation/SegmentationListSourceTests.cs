using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Data.ImageLists;
using Arbloss.Samples.Tests.Data.ImageLists;
using Arbloss.Samples.Tests.Support;
using SkiaSharp;
using Xunit;

namespace Arbloss.Samples.Tests.Segmentation
{
    /// <summary>The real-layout segmentation loader (<c>dataset: seg-list</c>) on tiny files written in the real formats:
    /// RGB PNG images, 8-bit grayscale PNG masks with 255 = ignore, and list files of <c>IMAGE MASK</c> pairs.</summary>
    public class SegmentationListSourceTests
    {
        private static (byte R, byte G, byte B) Colour(int x, int y, int image) => ((byte)(10 * x + image), (byte)(20 * y), (byte)(200 - 7 * x - 3 * y));

        private static byte MaskValue(int x, int y, int image) => (x + y + image) % 7 == 6 ? (byte)255 : (byte)((x / 3 + y + image) % 3);

        /// <summary>Writes pair <paramref name="image"/> (an RGB PNG and its mask, <paramref name="width"/> x <paramref name="height"/>).</summary>
        private static (string Image, string Mask) WritePair(string root, string split, int image, int width, int height, Func<int, int, int, byte>? mask = null)
        {
            var img = $"images/{split}/{image}.png";
            var msk = $"masks/{split}/{image}_labelTrainIds.png";
            TestImages.Write(Path.Combine(root, img), width, height, (x, y) => Colour(x, y, image), SKEncodedImageFormat.Png, 100);
            var values = new byte[width * height];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) values[y * width + x] = (mask ?? MaskValue)(x, y, image);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, msk))!);
            File.WriteAllBytes(Path.Combine(root, msk), MaskFilesTests.Png(width, height, values));
            return (img, msk);
        }

        private static void WriteList(string path, params (string Image, string Mask)[] pairs) =>
            File.WriteAllLines(path, new[] { "# image mask" }.Concat(pairs.Select(p => $"{p.Image} {p.Mask}")));

        private static long[] Target(ISampleSource s, int i, ulong? seed)
        {
            var t = new long[s.TargetShape[0] * s.TargetShape[1]];
            s.ReadTarget(i, t, seed);
            return t;
        }

        private static byte[] Pixels(ISampleSource s, int i, ulong? seed)
        {
            var p = new byte[3 * s.SampleShape[1] * s.SampleShape[2]];
            s.ReadPixels(i, p, seed);
            return p;
        }

        [Fact]
        public void PairsOfTheSizeRoundTripExactlyWithTheIgnoreValueKept()
        {
            using var dir = new TempDir();
            var pairs = Enumerable.Range(0, 3).Select(i => WritePair(dir.Path, "train", i, 8, 8)).ToArray();
            WriteList(dir.Combine("train.txt"), pairs);
            var source = new SegmentationListSource(SegmentationPairList.Read(dir.Combine("train.txt"), dir.Path), 3, 8, augment: false);
            Assert.Equal(3, source.Count);
            Assert.Equal(new long[] { 8, 8 }, source.TargetShape);
            var expectedCounts = new long[3];
            for (int i = 0; i < 3; i++)
            {
                var target = Target(source, i, null);
                var pixels = Pixels(source, i, null);
                int ignored = 0;
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                    {
                        Assert.Equal(MaskValue(x, y, i), target[y * 8 + x]);
                        if (target[y * 8 + x] == 255) ignored++;
                        else expectedCounts[target[y * 8 + x]]++;
                        var (r, g, b) = Colour(x, y, i);
                        Assert.Equal(new[] { r, g, b }, new[] { pixels[y * 8 + x], pixels[64 + y * 8 + x], pixels[128 + y * 8 + x] });
                    }
                Assert.True(ignored > 0, "the test masks hold ignore pixels");
                var perClass = Enumerable.Range(0, 3).Select(c => target.LongCount(v => v == c)).ToArray();
                Assert.Equal(Array.IndexOf(perClass, perClass.Max()), source.Labels[i]);
            }
            Assert.Equal(expectedCounts, source.PixelCounts);
        }

        [Fact]
        public void AWideImageKeepsItsCentreSquareAndAFlipMirrorsImageAndMaskAlike()
        {
            using var dir = new TempDir();
            var pair = WritePair(dir.Path, "train", 0, 16, 8);
            WriteList(dir.Combine("train.txt"), pair);
            var source = new SegmentationListSource(SegmentationPairList.Read(dir.Combine("train.txt"), dir.Path), 3, 8, augment: true);
            var plain = Target(source, 0, null);
            var plainPixels = Pixels(source, 0, null);
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    // Shorter side 8 = the size: scale 1, the centre 8 columns start at column 4.
                    Assert.Equal(MaskValue(x + 4, y, 0), plain[y * 8 + x]);
                    Assert.Equal(Colour(x + 4, y, 0).R, plainPixels[y * 8 + x]);
                }
            int flips = 0;
            for (ulong seed = 1; seed <= 16; seed++)
            {
                var mask = Target(source, 0, seed);
                var pixels = Pixels(source, 0, seed);
                bool flipped = !mask.SequenceEqual(plain);
                Assert.Equal(flipped, !pixels.SequenceEqual(plainPixels));
                if (!flipped) continue;
                flips++;
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                    {
                        Assert.Equal(plain[y * 8 + 7 - x], mask[y * 8 + x]);
                        for (int c = 0; c < 3; c++) Assert.Equal(plainPixels[c * 64 + y * 8 + 7 - x], pixels[c * 64 + y * 8 + x]);
                    }
            }
            Assert.InRange(flips, 3, 13);
        }

        [Fact]
        public void TheSegListDatasetLoadsThroughItsConfigAndNamesBadFiles()
        {
            using var dir = new TempDir();
            WriteList(dir.Combine("train.txt"), WritePair(dir.Path, "train", 0, 10, 10), WritePair(dir.Path, "train", 1, 12, 10));
            WriteList(dir.Combine("val.txt"), WritePair(dir.Path, "val", 5, 10, 10));
            var yaml = $"dataset: seg_list\ndata_path: '{dir.Path}'\nnum_classes: 3\nimage_size: 10\n";
            var cfg = ConfigLoader.Parse(yaml, "test");
            Assert.Equal(("seg-list", "seg_fcn"), (cfg.Dataset, cfg.Backbone));
            var splits = DatasetRegistry.Get(cfg.Dataset).Load(cfg, new DataContext(allowDownload: false));
            Assert.Equal((2, 1, true), (splits.Train.Count, splits.Test.Count, splits.IsDense));
            var counts = new long[3];
            for (int i = 0; i < 2; i++)
                foreach (var v in Target(splits.Train, i, null))
                    if (v != 255) counts[v]++;
            Assert.Equal(counts, splits.TrainPixelCounts);
            Assert.True(counts.Sum() < 2 * 100, "ignored pixels are not counted");

            // A mask value that is neither a class nor 255: the list, the line and the value are named.
            var bad = WritePair(dir.Path, "train", 2, 10, 10, (x, y, _) => x == 3 && y == 2 ? (byte)7 : (byte)1);
            WriteList(dir.Combine("train.txt"), WritePair(dir.Path, "train", 0, 10, 10), bad);
            var e = Assert.Throws<ImageListException>(() => DatasetRegistry.Get(cfg.Dataset).Load(cfg, new DataContext(allowDownload: false)));
            Assert.Contains("train.txt", e.Message);
            Assert.Contains("line 3", e.Message);
            Assert.Contains("value 7", e.Message);

            // A line with one path only, and a listed file that does not exist.
            File.WriteAllLines(dir.Combine("train.txt"), new[] { "images/train/0.png" });
            e = Assert.Throws<ImageListException>(() => DatasetRegistry.Get(cfg.Dataset).Load(cfg, new DataContext(allowDownload: false)));
            Assert.Contains("line 1", e.Message);
            File.WriteAllLines(dir.Combine("train.txt"), new[] { "images/train/0.png masks/train/missing.png" });
            e = Assert.Throws<ImageListException>(() => DatasetRegistry.Get(cfg.Dataset).Load(cfg, new DataContext(allowDownload: false)));
            Assert.Contains("missing.png", e.Message);

            // No lists at all: one line saying where to put them.
            File.Delete(dir.Combine("val.txt"));
            var missing = Assert.Throws<DatasetUnavailableException>(() => DatasetRegistry.Get(cfg.Dataset).Load(cfg, new DataContext(allowDownload: false)));
            Assert.Contains("val.txt", missing.Message);
        }
    }
}
