using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Builds batches from an <see cref="ISampleSource"/> in a given sample order: the samples of a batch are read
    /// by several threads in parallel, and up to <see cref="BatchLoaderOptions.Prefetch"/> batches are built ahead
    /// on a background task while the model trains. Augmentation is seeded per sample from the options' seed and
    /// the sample's position in the order, so batches are identical whatever the thread timing.
    /// </summary>
    /// <remarks>
    /// <para>No buffer is allocated per batch: the samples are written in place into a ring of
    /// <see cref="BatchLoaderOptions.RingSize"/> reused host tensors (page-locked with
    /// <see cref="BatchLoaderOptions.PinMemory"/> when CUDA is available), 8-bit pixels for image sources
    /// (<see cref="ISampleSource.Pixels"/>) and float32 for the others, with the labels beside them on the host
    /// (<see cref="Batch.HostLabels"/>) and as a tensor, and, for a source with dense targets
    /// (<see cref="ISampleSource.TargetShape"/>, e.g. segmentation masks), the targets [B, ...] read with the sample's
    /// augmentation seed (<see cref="Batch.Targets"/>).</para>
    /// <para>The contract of the ring: a batch's buffer is not written again until the batch is disposed (and, after
    /// copies to a CUDA device, until those copies have completed); the loader waits instead, building fewer batches
    /// ahead. So dispose every batch when done with it. A consumer that holds <see cref="BatchLoaderOptions.RingSize"/>
    /// undisposed batches and asks for another gets an <see cref="InvalidOperationException"/> (the batch could never
    /// be built). A batch disposed after its enumeration ended is still valid until then.</para>
    /// </remarks>
    public static class BatchLoader
    {
        /// <summary>Enumerates the batches of one pass over <paramref name="order"/>.</summary>
        /// <param name="source">The samples.</param>
        /// <param name="order">Sample indices in visiting order (e.g. one epoch of a sampler).</param>
        /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
        /// <param name="options">Parallelism, prefetching, augmentation and the first batch to produce.</param>
        /// <param name="cancellationToken">Stops the background work.</param>
        /// <returns>Batches in order; the consumer disposes each (see the remarks on buffer reuse). Abandoning the
        /// enumeration stops the producer and disposes the batches it built ahead.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive, or an
        /// index in <paramref name="order"/> lies outside the source.</exception>
        public static IEnumerable<Batch> Load(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(source);
            ArgumentNullException.ThrowIfNull(order);
            ArgumentNullException.ThrowIfNull(options);
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
            foreach (var i in order)
                if ((uint)i >= (uint)source.Count) throw new ArgumentOutOfRangeException(nameof(order), i, $"The source has {source.Count} samples.");
            return options.Workers == 0
                ? Sequential(source, order, batchSize, options, cancellationToken)
                : Prefetched(source, order, batchSize, options, cancellationToken);
        }

        /// <summary>Number of batches of one pass.</summary>
        /// <param name="samples">Samples in the pass.</param>
        /// <param name="batchSize">Samples per batch.</param>
        /// <returns>The number of batches, counting a smaller last one.</returns>
        public static int BatchCount(int samples, int batchSize) => (samples + batchSize - 1) / batchSize;

        private static BatchRing Ring(ISampleSource source, int batchSize, int count, BatchLoaderOptions options) =>
            new(source.SampleShape, source.Pixels is not null, Math.Min(batchSize, Math.Max(1, count)), options.RingSize, options.PinMemory, source.TargetShape);

        private static IEnumerable<Batch> Sequential(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options, CancellationToken token)
        {
            int batches = BatchCount(order.Count, batchSize);
            using var ring = Ring(source, batchSize, order.Count, options);
            for (int b = options.FirstBatch; b < batches; b++)
            {
                token.ThrowIfCancellationRequested();
                if (ring.Held >= ring.Capacity) throw ring.HeldTooMany();
                var batch = Build(source, order, batchSize, b, options, 1, ring, wait: false, token);
                ring.Hand();
                batch.MarkHanded();
                yield return batch;
            }
        }

        private static IEnumerable<Batch> Prefetched(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options, CancellationToken token)
        {
            int batches = BatchCount(order.Count, batchSize);
            using var ring = Ring(source, batchSize, order.Count, options);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            using var queue = new BlockingCollection<Batch>(Math.Max(1, options.Prefetch));
            var producer = Task.Run(() =>
            {
                try
                {
                    for (int b = options.FirstBatch; b < batches && !stop.IsCancellationRequested; b++)
                    {
                        var batch = Build(source, order, batchSize, b, options, options.Workers, ring, wait: true, stop.Token);
                        try
                        {
                            queue.Add(batch, stop.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            batch.Dispose();
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Stopped while waiting for a free buffer.
                }
                finally
                {
                    queue.CompleteAdding();
                }
            });
            try
            {
                while (true)
                {
                    if (ring.Held >= ring.Capacity && !queue.IsCompleted) throw ring.HeldTooMany();
                    if (!queue.TryTake(out var batch, Timeout.Infinite, token)) break;
                    ring.Hand();
                    batch.MarkHanded();
                    yield return batch;
                }
                producer.GetAwaiter().GetResult(); // surfaces a reader's exception
            }
            finally
            {
                stop.Cancel();
                try
                {
                    producer.Wait(TimeSpan.FromSeconds(30));
                }
                catch (AggregateException)
                {
                    // The producer's error has been or will be reported through GetResult above.
                }
                while (queue.TryTake(out var left)) left.Dispose();
            }
        }

        private static Batch Build(ISampleSource source, IReadOnlyList<int> order, int batchSize, int batchIndex, BatchLoaderOptions options, int workers,
            BatchRing ring, bool wait, CancellationToken token)
        {
            int start = batchIndex * batchSize;
            int count = Math.Min(batchSize, order.Count - start);
            var slot = ring.Take(wait, token);
            try
            {
                slot.WaitForCopies(token);
                var filler = new Filler(source, order, start, options, slot);
                if (workers <= 1 || count < 2)
                {
                    for (int i = 0; i < count; i++) filler.Fill(i);
                }
                else
                {
                    try
                    {
                        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, filler.Fill);
                    }
                    catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                    {
                        // A sample that cannot be read surfaces as itself (e.g. the list file and line of a bad image),
                        // as it does with one worker, not wrapped.
                        ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                        throw;
                    }
                }
                slot.HostLabels.AsSpan(0, count).CopyTo(MemoryMarshal.Cast<byte, long>(slot.LabelTensor.bytes));
                return new Batch(batchIndex, slot, count, source.Pixels);
            }
            catch
            {
                slot.Return(handed: false);
                throw;
            }
        }

        /// <summary>Reads the samples of one batch into a slot, each straight into its place in the slot's tensor.</summary>
        private sealed class Filler
        {
            private readonly ISampleSource _source;
            private readonly IReadOnlyList<int> _order;
            private readonly int _start;
            private readonly BatchLoaderOptions _options;
            private readonly BatchRing.Slot _slot;
            private readonly bool _pixels;

            public Filler(ISampleSource source, IReadOnlyList<int> order, int start, BatchLoaderOptions options, BatchRing.Slot slot)
            {
                _source = source;
                _order = order;
                _start = start;
                _options = options;
                _slot = slot;
                _pixels = source.Pixels is not null;
            }

            public void Fill(int i)
            {
                int position = _start + i;
                int index = _order[position];
                ulong? seed = _options.Augment ? SampleSeed(_options.Seed, position) : null;
                int n = _slot.SampleLength;
                var memory = _slot.Samples.bytes;
                if (_pixels) _source.ReadPixels(index, memory.Slice(i * n, n), seed);
                else _source.Read(index, MemoryMarshal.Cast<byte, float>(memory).Slice(i * n, n), seed);
                _slot.HostLabels[i] = _source.Labels[index];
                if (_slot.TargetTensor is { } targets)
                {
                    // The same seed as the sample's: a flip of the image is a flip of its mask.
                    int t = _slot.TargetLength;
                    _source.ReadTarget(index, MemoryMarshal.Cast<byte, long>(targets.bytes).Slice(i * t, t), seed);
                }
            }
        }

        /// <summary>The augmentation seed of the sample at <paramref name="position"/> of a pass seeded with <paramref name="seed"/>.</summary>
        /// <param name="seed">The pass's seed (e.g. derived from run seed and epoch).</param>
        /// <param name="position">Position in the pass.</param>
        /// <returns>The seed handed to <see cref="ISampleSource.Read"/> and <see cref="ISampleSource.ReadPixels"/>.</returns>
        public static ulong SampleSeed(ulong seed, int position)
        {
            ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(position + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
