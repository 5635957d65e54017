using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.ImageLists
{
    /// <summary>
    /// A parallel, prefetching batch loader over an <see cref="ImageListDataset"/>: a background thread builds batches
    /// in order, decoding and transforming each batch's images on <see cref="ImageLoaderOptions.Workers"/> threads
    /// straight into the batch tensor, and keeps up to <see cref="ImageLoaderOptions.Prefetch"/> finished batches ready.
    /// </summary>
    /// <remarks>
    /// <para>Deterministic: the order of an epoch depends on (seed, epoch) only, and the augmentation of the image at
    /// position p of epoch e on (seed, e, p) only, never on the number of workers or on timing.</para>
    /// <para>Batches come out in order. The consumer owns each batch and disposes it; batches built ahead and never
    /// consumed (the consumer stops early or an error occurs) are disposed by the loader.</para>
    /// </remarks>
    public sealed class ImageBatchLoader
    {
        private readonly object _problemLock = new();
        private readonly List<ImageListProblem> _problems = new();
        private long _skipped;

        /// <summary>Creates a loader.</summary>
        /// <param name="dataset">The images and labels.</param>
        /// <param name="transform">Decoded image to normalised CHW floats (e.g. <see cref="TrainImageTransform"/>).</param>
        /// <param name="options">Batch size, workers, prefetch, shuffle, seed; null for defaults.</param>
        /// <exception cref="ArgumentNullException"><paramref name="dataset"/> or <paramref name="transform"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
        public ImageBatchLoader(ImageListDataset dataset, ImageTransform transform, ImageLoaderOptions? options = null)
        {
            Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
            Transform = transform ?? throw new ArgumentNullException(nameof(transform));
            Options = options ?? new ImageLoaderOptions();
            Options.Validate();
        }

        /// <summary>The dataset.</summary>
        public ImageListDataset Dataset { get; }

        /// <summary>The per-image transform.</summary>
        public ImageTransform Transform { get; }

        /// <summary>The settings.</summary>
        public ImageLoaderOptions Options { get; }

        /// <summary>Batches in an epoch over the whole dataset.</summary>
        public int BatchesPerEpoch => BatchCount(Dataset.Count);

        /// <summary>Images left out so far because they could not be decoded (<see cref="InvalidEntryPolicy.Skip"/>).</summary>
        public long SkippedImages => Interlocked.Read(ref _skipped);

        /// <summary>The undecodable images left out so far, with list file and line.</summary>
        public IReadOnlyList<ImageListProblem> Problems
        {
            get { lock (_problemLock) return _problems.ToArray(); }
        }

        /// <summary>The dataset indices epoch <paramref name="epoch"/> visits: list order, or a permutation seeded by (seed, epoch) when shuffling.</summary>
        /// <param name="epoch">Epoch number (any integer; 0-based by convention).</param>
        /// <returns>A fresh array of indices.</returns>
        public int[] EpochOrder(int epoch)
        {
            var order = new int[Dataset.Count];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            if (Options.Shuffle)
            {
                var rng = new SampleRandom(SampleRandom.Mix(Options.Seed, (ulong)(long)epoch, 0x5348554646UL));
                rng.Shuffle(order.AsSpan());
            }
            return order;
        }

        /// <summary>The batches of epoch <paramref name="epoch"/> over the whole dataset (order from <see cref="EpochOrder"/>).</summary>
        /// <param name="epoch">Epoch number; seeds the shuffle and the augmentation.</param>
        /// <returns>The batches, in order; dispose each.</returns>
        /// <exception cref="ImageListException">While enumerating: an image cannot be decoded (under <see cref="InvalidEntryPolicy.Throw"/>).</exception>
        public IEnumerable<ImageBatch> Epoch(int epoch) => Run(EpochOrder(epoch), epoch);

        /// <summary>The batches of epoch <paramref name="epoch"/> visiting the dataset indices of <paramref name="order"/>
        /// (e.g. a class-balanced sampler, an <c>IEnumerable&lt;long&gt;</c>); indices may repeat.</summary>
        /// <param name="epoch">Epoch number; seeds the augmentation.</param>
        /// <param name="order">Dataset indices in visiting order.</param>
        /// <returns>The batches, in order; dispose each.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="order"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Dataset.Count).</exception>
        /// <exception cref="ImageListException">While enumerating: an image cannot be decoded (under <see cref="InvalidEntryPolicy.Throw"/>).</exception>
        public IEnumerable<ImageBatch> Epoch(int epoch, IEnumerable<long> order)
        {
            if (order is null) throw new ArgumentNullException(nameof(order));
            var indices = new List<int>();
            foreach (var index in order)
            {
                if (index < 0 || index >= Dataset.Count)
                    throw new ArgumentOutOfRangeException(nameof(order), index, $"A sampled index lies outside [0, {Dataset.Count}).");
                indices.Add((int)index);
            }
            return Run(indices.ToArray(), epoch);
        }

        private int BatchCount(int samples)
            => Options.DropLast ? samples / Options.BatchSize : (samples + Options.BatchSize - 1) / Options.BatchSize;

        private IEnumerable<ImageBatch> Run(int[] order, int epoch)
        {
            var batches = BatchCount(order.Length);
            if (batches == 0) yield break;
            using var cancel = new CancellationTokenSource();
            using var queue = new BlockingCollection<ImageBatch>(Options.Prefetch);
            Exception? failure = null;
            var producer = Task.Factory.StartNew(() =>
            {
                try
                {
                    for (var b = 0; b < batches; b++)
                    {
                        var batch = BuildBatch(order, epoch, b, cancel.Token);
                        if (batch is null) continue;
                        try
                        {
                            queue.Add(batch, cancel.Token);
                        }
                        catch
                        {
                            batch.Dispose();
                            throw;
                        }
                    }
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    // The consumer stopped early.
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    queue.CompleteAdding();
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                foreach (var batch in queue.GetConsumingEnumerable())
                    yield return batch;
                producer.Wait();
                if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
            }
            finally
            {
                cancel.Cancel();
                producer.Wait();
                while (queue.TryTake(out var left)) left.Dispose();
            }
        }

        private ImageBatch? BuildBatch(int[] order, int epoch, int batchIndex, CancellationToken token)
        {
            token.ThrowIfCancellationRequested();
            var start = batchIndex * Options.BatchSize;
            var n = Math.Min(Options.BatchSize, order.Length - start);
            var s = Transform.OutputSize;
            var length = Transform.OutputLength;
            var images = torch.empty(new long[] { n, 3, s, s }, ScalarType.Float32);
            try
            {
                var failed = new Exception?[n];
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Workers, CancellationToken = token };
                Parallel.For(0, n, parallel, (slot, state) =>
                {
                    var position = start + slot;
                    var index = order[position];
                    try
                    {
                        using var image = ImageDecoder.Decode(Dataset.ImagePath(index));
                        var seed = SampleRandom.Mix(Options.Seed, (ulong)(long)epoch, (ulong)position, 0x494D414745UL);
                        using var view = images[slot];
                        Transform.Apply(image, seed, MemoryMarshal.Cast<byte, float>(view.bytes)[..length]);
                    }
                    catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
                    {
                        failed[slot] = ex;
                        if (Options.Policy == InvalidEntryPolicy.Throw) state.Stop();
                    }
                });
                return Finish(images, order, start, n, batchIndex, failed);
            }
            catch
            {
                images.Dispose();
                throw;
            }
        }

        private ImageBatch? Finish(Tensor images, int[] order, int start, int n, int batchIndex, Exception?[] failed)
        {
            var kept = new List<int>(n);
            for (var slot = 0; slot < n; slot++)
            {
                var error = failed[slot];
                if (error is null)
                {
                    kept.Add(slot);
                    continue;
                }
                var entry = Dataset.Entries[order[start + slot]];
                var reason = $"the image '{entry.RelativePath}' cannot be loaded: {error.Message}";
                if (Options.Policy == InvalidEntryPolicy.Throw)
                    throw new ImageListException(Dataset.ListPath, entry.LineNumber, reason, error);
                Interlocked.Increment(ref _skipped);
                lock (_problemLock) _problems.Add(new ImageListProblem(Dataset.ListPath, entry.LineNumber, reason));
            }
            var indices = new int[kept.Count];
            var labels = new long[kept.Count];
            for (var i = 0; i < kept.Count; i++)
            {
                indices[i] = order[start + kept[i]];
                labels[i] = Dataset.Labels[indices[i]];
            }
            if (kept.Count == 0)
            {
                images.Dispose();
                return null;
            }
            if (kept.Count < n)
            {
                using var keep = torch.tensor(kept.ConvertAll(k => (long)k).ToArray());
                var compact = images.index_select(0, keep);
                images.Dispose();
                images = compact;
            }
            return new ImageBatch(batchIndex, images, torch.tensor(labels), indices, n - kept.Count);
        }
    }
}
