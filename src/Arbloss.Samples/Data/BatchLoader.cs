using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
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
    public static class BatchLoader
    {
        /// <summary>Enumerates the batches of one pass over <paramref name="order"/>.</summary>
        /// <param name="source">The samples.</param>
        /// <param name="order">Sample indices in visiting order (e.g. one epoch of a sampler).</param>
        /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
        /// <param name="options">Parallelism, prefetching, augmentation and the first batch to produce.</param>
        /// <param name="cancellationToken">Stops the background work.</param>
        /// <returns>Batches in order; the consumer disposes each. Abandoning the enumeration stops the producer
        /// and disposes the batches it built ahead.</returns>
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

        private static IEnumerable<Batch> Sequential(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options, CancellationToken token)
        {
            int batches = BatchCount(order.Count, batchSize);
            for (int b = options.FirstBatch; b < batches; b++)
            {
                token.ThrowIfCancellationRequested();
                yield return Build(source, order, batchSize, b, options, 1);
            }
        }

        private static IEnumerable<Batch> Prefetched(ISampleSource source, IReadOnlyList<int> order, int batchSize, BatchLoaderOptions options, CancellationToken token)
        {
            int batches = BatchCount(order.Count, batchSize);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            using var queue = new BlockingCollection<Batch>(Math.Max(1, options.Prefetch));
            var producer = Task.Run(() =>
            {
                try
                {
                    for (int b = options.FirstBatch; b < batches && !stop.IsCancellationRequested; b++)
                    {
                        var batch = Build(source, order, batchSize, b, options, options.Workers);
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
                finally
                {
                    queue.CompleteAdding();
                }
            });
            try
            {
                foreach (var batch in queue.GetConsumingEnumerable(token))
                    yield return batch;
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

        private static Batch Build(ISampleSource source, IReadOnlyList<int> order, int batchSize, int batchIndex, BatchLoaderOptions options, int workers)
        {
            int start = batchIndex * batchSize;
            int count = Math.Min(batchSize, order.Count - start);
            int sampleSize = (int)source.SampleShape.Aggregate(1L, (a, b) => a * b);
            var data = new float[(long)count * sampleSize];
            var labels = new long[count];
            void Fill(int i)
            {
                int position = start + i;
                var rng = options.Augment ? new Random(SampleSeed(options.Seed, position)) : null;
                source.Read(order[position], data.AsSpan(i * sampleSize, sampleSize), rng);
                labels[i] = source.Labels[order[position]];
            }
            if (workers <= 1 || count < 2)
            {
                for (int i = 0; i < count; i++) Fill(i);
            }
            else
            {
                try
                {
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, Fill);
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    // A sample that cannot be read surfaces as itself (e.g. the list file and line of a bad image),
                    // as it does with one worker, not wrapped.
                    ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                    throw;
                }
            }
            var shape = new long[] { count }.Concat(source.SampleShape).ToArray();
            return new Batch(batchIndex, tensor(data, shape), tensor(labels));
        }

        /// <summary>The augmentation seed of the sample at <paramref name="position"/> of a pass seeded with <paramref name="seed"/>.</summary>
        /// <param name="seed">The pass's seed (e.g. derived from run seed and epoch).</param>
        /// <param name="position">Position in the pass.</param>
        /// <returns>A seed for <see cref="Random"/>.</returns>
        public static int SampleSeed(ulong seed, int position)
        {
            ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(position + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}
