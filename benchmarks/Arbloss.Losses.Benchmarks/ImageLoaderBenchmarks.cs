using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Data;
using Arbloss.Samples.Data.ImageLists;
using BenchmarkDotNet.Attributes;
using SkiaSharp;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Decoding and augmenting ImageNet-sized JPEGs (500x375, quality 90, photo-like content) as the large-scale
    /// pipelines do. Per-image times; the single-threaded rows are images per second per core.
    /// </summary>
    [MemoryDiagnoser]
    public class ImageLoaderBenchmarks
    {
        private const int Images = 32;
        private string _root = "";
        private string[] _paths = Array.Empty<string>();
        private ImageListDataset _dataset = null!;
        private readonly TrainImageTransform _train = new();
        private readonly EvalImageTransform _eval = new();
        private readonly float[] _output = new float[3 * 224 * 224];

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "arbloss-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(_root, "train"));
            var random = new Random(1);
            _paths = new string[Images];
            var lines = new string[Images];
            for (var i = 0; i < Images; i++)
            {
                var relative = $"train/img_{i:D3}.jpg";
                _paths[i] = Path.Combine(_root, relative);
                WritePhotoLikeJpeg(_paths[i], 500, 375, random);
                lines[i] = $"{relative} {i % 4}";
            }
            File.WriteAllLines(Path.Combine(_root, "train.txt"), lines);
            File.WriteAllLines(Path.Combine(_root, "test.txt"), lines.Take(4));
            _dataset = ImageListSplits.Load(Path.Combine(_root, "train.txt"), Path.Combine(_root, "test.txt"), _root).Train;
            var kb = _paths.Average(p => new FileInfo(p).Length) / 1024.0;
            Console.WriteLine($"// {Images} JPEGs of 500x375, mean size {kb:F0} KiB");
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        }

        // Smooth multi-scale shapes plus sensor-like noise: compresses like a photograph (about 100 KiB at quality 90).
        internal static void WritePhotoLikeJpeg(string path, int width, int height, Random random)
        {
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                using var paint = new SKPaint { IsAntialias = true };
                for (var k = 0; k < 60; k++)
                {
                    paint.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(60, 200));
                    canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(5, 120), paint);
                }
            }
            var pixels = bitmap.GetPixelSpan().ToArray();
            for (var i = 0; i < pixels.Length; i += 4)
                for (var c = 0; c < 3; c++)
                    pixels[i + c] = (byte)Math.Clamp(pixels[i + c] + random.Next(-22, 23), 0, 255);
            using var noisy = new SKBitmap(bitmap.Info);
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, noisy.GetPixels(), pixels.Length);
            using var data = noisy.Encode(SKEncodedImageFormat.Jpeg, 90);
            using var stream = File.Create(path);
            data.SaveTo(stream);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = Images, Description = "decode only")]
        public int Decode()
        {
            var sum = 0;
            foreach (var path in _paths)
            {
                using var image = ImageDecoder.Decode(path);
                sum += image.Width;
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = Images, Description = "decode + train transform (1 thread)")]
        public float DecodeTrain()
        {
            var sum = 0f;
            for (var i = 0; i < _paths.Length; i++)
            {
                using var image = ImageDecoder.Decode(_paths[i]);
                _train.Apply(image, (ulong)i, _output);
                sum += _output[0];
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = Images, Description = "decode + eval transform (1 thread)")]
        public float DecodeEval()
        {
            var sum = 0f;
            for (var i = 0; i < _paths.Length; i++)
            {
                using var image = ImageDecoder.Decode(_paths[i]);
                _eval.Apply(image, 0, _output);
                sum += _output[0];
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = Images, Description = "loader, train, batch 32, 2 workers")]
        public long LoaderTwoWorkers()
        {
            // The pipeline's one loader over the list-file source, as training runs it.
            var source = new ImageListSource(_dataset, _train, _eval);
            var order = Enumerable.Range(0, source.Count).ToArray();
            long count = 0;
            foreach (var batch in BatchLoader.Load(source, order, 32, new BatchLoaderOptions { Workers = 2, Augment = true, Seed = 1 }))
            {
                using (batch) count += batch.Size;
            }
            return count;
        }
    }
}
