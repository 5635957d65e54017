using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Arbloss.Samples.Data;
using Arbloss.Samples.Data.ImageLists;
using TorchSharp;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Managed bytes the app's one loader allocates per batch, at two batch sizes, for an in-memory image source (CIFAR:
    /// 3 x 32 x 32, pad / crop / flip), a list-file source (500 x 375 JPEGs through the authors' 224-px training transform)
    /// and a feature-vector source (float32). Counted with <c>GC.GetTotalAllocatedBytes(precise: true)</c> over a whole
    /// pass (every thread of the process: loader, workers and consumer), after one warm-up pass. Run:
    /// <c>dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- profile-loader [--threads N]</c>.
    /// </summary>
    public static class LoaderAllocationProfile
    {
        public static int Run(string[] args)
        {
            torch.set_num_threads(args.Length > 1 && args[0] == "--threads" ? int.Parse(args[1]) : 2);
            var root = Path.Combine(Path.GetTempPath(), "arbloss-loader-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(root, "train"));
            try
            {
                var random = new Random(1);
                var lines = new string[64];
                for (int i = 0; i < lines.Length; i++)
                {
                    var relative = $"train/img_{i:D3}.jpg";
                    ImageLoaderBenchmarks.WritePhotoLikeJpeg(Path.Combine(root, relative), 500, 375, random);
                    lines[i] = $"{relative} {i % 4}";
                }
                File.WriteAllLines(Path.Combine(root, "train.txt"), lines);
                File.WriteAllLines(Path.Combine(root, "test.txt"), lines.Take(4));
                var dataset = ImageListSplits.Load(Path.Combine(root, "train.txt"), Path.Combine(root, "test.txt"), root).Train;
                var jpegs = new ImageListSource(dataset, new TrainImageTransform(), new EvalImageTransform());

                var pixels = new byte[4096 * 3 * 32 * 32];
                random.NextBytes(pixels);
                var cifar = new InMemoryImageSource(pixels, Enumerable.Range(0, 4096).Select(i => (long)(i % 10)).ToArray(), 3, 32, 32,
                    new[] { 0.49, 0.48, 0.45 }, new[] { 0.2, 0.2, 0.2 }, ImageAugmentation.PadCropFlip);
                var vectors = new DenseVectorSource(new float[4096 * 512], Enumerable.Range(0, 4096).Select(i => (long)(i % 10)).ToArray(), 512);

                Console.WriteLine("| source | batch | batches | managed bytes per batch | per sample | a float[] per batch would be | ms per batch |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (var (name, source, positions) in new (string, ISampleSource, int)[]
                {
                    ("CIFAR in memory, 3x32x32 uint8, pad/crop/flip", cifar, 4096),
                    ("feature vectors, 512 float32", vectors, 4096),
                    ("list-file JPEGs 500x375 -> 224 px train transform, uint8", jpegs, 512),
                })
                {
                    foreach (int batch in new[] { 32, 256 })
                    {
                        var order = Enumerable.Range(0, positions).Select(i => i % source.Count).ToArray();
                        var options = new BatchLoaderOptions { Workers = 2, Prefetch = 4, Augment = true, Seed = 3 };
                        Pass(source, order, batch, options);
                        GC.Collect();
                        long before = GC.GetTotalAllocatedBytes(precise: true);
                        var clock = Stopwatch.StartNew();
                        int batches = Pass(source, order, batch, options);
                        double ms = clock.Elapsed.TotalMilliseconds / batches;
                        double bytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / batches;
                        long floats = (long)batch * source.SampleShape.Aggregate(1L, (a, b) => a * b) * 4;
                        Console.WriteLine($"| {name} | {batch} | {batches} | {bytes:N0} | {bytes / batch:N0} | {floats:N0} | {ms:F1} |");
                    }
                }
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
            return 0;
        }

        private static int Pass(ISampleSource source, int[] order, int batchSize, BatchLoaderOptions options)
        {
            int batches = 0;
            foreach (var batch in BatchLoader.Load(source, order, batchSize, options))
            {
                batch.Dispose();
                batches++;
            }
            return batches;
        }
    }
}
