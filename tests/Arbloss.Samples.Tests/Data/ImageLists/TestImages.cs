using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Arbloss.Samples.Data.ImageLists;
using SkiaSharp;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "arbloss-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string relative) => System.IO.Path.Combine(Path, relative);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Writes small test images with SkiaSharp and builds tiny datasets in the real list-file layout.</summary>
    internal static class TestImages
    {
        /// <summary>The pattern the torchvision fixtures were generated from.</summary>
        public static (byte R, byte G, byte B) Pattern(int x, int y)
            => ((byte)((x * 37 + y * 11) % 256), (byte)((x * x + 3 * y) % 256), (byte)((x * y * 5) % 256));

        public static RgbaImage Image(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
        {
            var data = new byte[width * height * 4];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var (r, g, b) = pixel(x, y);
                    var i = (y * width + x) * 4;
                    data[i] = r;
                    data[i + 1] = g;
                    data[i + 2] = b;
                    data[i + 3] = 255;
                }
            }
            return new RgbaImage(width, height, data);
        }

        public static void Write(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel,
            SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int quality = 95)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var (r, g, b) = pixel(x, y);
                    bitmap.SetPixel(x, y, new SKColor(r, g, b));
                }
            }
            using var data = bitmap.Encode(format, quality);
            using var stream = File.Create(path);
            data.SaveTo(stream);
        }

        public static void WriteGrayJpeg(string path, int width, int height, Func<int, int, byte> value)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var v = value(x, y);
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
            using var stream = File.Create(path);
            data.SaveTo(stream);
        }

        /// <summary>A flat colour that identifies class <paramref name="label"/> and image <paramref name="index"/>.</summary>
        public static (byte R, byte G, byte B) ClassColour(int label, int index)
            => ((byte)(40 + 60 * (label % 4)), (byte)(30 + 50 * (label / 4 % 4)), (byte)(20 + 23 * (index % 9)));

        /// <summary>
        /// Writes a tiny dataset in the real layout: the spec's two list files in <paramref name="root"/>, JPEGs under
        /// <c>train/&lt;label&gt;/</c> and <c>val/&lt;label&gt;/</c>, one line per image, <c>relative/path.jpg label</c>.
        /// </summary>
        /// <returns>Lines of the training list, in order.</returns>
        public static IReadOnlyList<string> WriteDataset(string root, ImageListSpec spec, IReadOnlyList<int> trainCounts, int testPerClass,
            int width = 40, int height = 30)
        {
            var train = new List<string>();
            var test = new List<string>();
            var order = new List<(int Label, int Index)>();
            for (var label = 0; label < trainCounts.Count; label++)
                for (var i = 0; i < trainCounts[label]; i++) order.Add((label, i));
            // Interleave classes as real lists do (sorted by path, not by label).
            order.Sort((a, b) => (a.Index * 31 + a.Label).CompareTo(b.Index * 31 + b.Label));
            foreach (var (label, i) in order)
            {
                var relative = $"train/{label:D3}/img_{i:D4}.jpg";
                var colour = ClassColour(label, i);
                Write(System.IO.Path.Combine(root, relative), width, height, (x, y) => colour);
                train.Add($"{relative} {label}");
            }
            for (var label = 0; label < trainCounts.Count; label++)
            {
                for (var i = 0; i < testPerClass; i++)
                {
                    var relative = $"val/{label:D3}/img_{i:D4}.jpg";
                    var colour = ClassColour(label, i);
                    Write(System.IO.Path.Combine(root, relative), width, height, (x, y) => colour);
                    test.Add($"{relative} {label}");
                }
            }
            WriteLines(System.IO.Path.Combine(root, spec.TrainList), train);
            WriteLines(System.IO.Path.Combine(root, spec.TestList), test);
            return train;
        }

        public static void WriteLines(string path, IEnumerable<string> lines)
        {
            var text = new StringBuilder();
            foreach (var line in lines) text.Append(line).Append('\n');
            File.WriteAllText(path, text.ToString());
        }
    }
}
