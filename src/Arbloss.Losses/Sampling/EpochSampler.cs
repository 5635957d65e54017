using System;
using System.Collections;
using System.Collections.Generic;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// Base of the long-tail samplers: an <see cref="IEnumerable{T}"/> of item indices for TorchSharp's
    /// <c>DataLoader</c>, deterministic given (seed, epoch), with optional sharding across processes.
    /// </summary>
    /// <remarks>
    /// <para>Every enumeration yields the current epoch's indices; call <see cref="SetEpoch"/> before each epoch to
    /// reshuffle (as with PyTorch's <c>DistributedSampler.set_epoch</c>). Enumerating twice without changing the epoch
    /// gives the same sequence. Enumerators are independent, so enumerating from several threads is safe.</para>
    /// <para>Sharding (<see cref="SetShard"/>): the epoch's sequence is extended to <c>Count * WorldSize</c> positions
    /// (at most <c>WorldSize - 1</c> extra positions; they continue the epoch's sequence, fresh draws for the samplers that
    /// draw with replacement and the next items of the class cycles for <see cref="ClassAwareSampler"/>, not repeats of
    /// its first positions) and rank r takes the contiguous positions <c>[r * Count, (r + 1) * Count)</c>: slices of
    /// equal length, disjoint, together the whole epoch. A rank jumps straight to its slice without generating the
    /// others'.</para>
    /// </remarks>
    public abstract class EpochSampler : IEnumerable<long>
    {
        private protected EpochSampler(int seed)
        {
            Seed = seed;
            WorldSize = 1;
        }

        /// <summary>The seed given at construction.</summary>
        public int Seed { get; }

        /// <summary>The epoch whose indices the next enumeration yields (0 until <see cref="SetEpoch"/> is called).</summary>
        public int Epoch { get; private set; }

        /// <summary>This process's rank in [0, <see cref="WorldSize"/>); 0 unless sharded.</summary>
        public int Rank { get; private set; }

        /// <summary>Number of processes sharing each epoch; 1 unless sharded.</summary>
        public int WorldSize { get; private set; }

        /// <summary>Number of indices in one whole (unsharded) epoch.</summary>
        public abstract long EpochLength { get; }

        /// <summary>Number of indices one enumeration yields: the epoch length, or with sharding its equal share
        /// <c>ceil(EpochLength / WorldSize)</c>.</summary>
        public long Count => (EpochLength + WorldSize - 1) / WorldSize;

        /// <summary>
        /// Number of batches that TorchSharp's <c>DataLoader</c> yields when it draws its indices from this sampler:
        /// <c>ceil(Count / batchSize)</c>, or <c>floor(Count / batchSize)</c> when the last incomplete batch is dropped.
        /// Use it for progress bars and schedules: the loader's own <c>Count</c> is computed from the dataset's length,
        /// not from the sampler, so it is wrong for every sampler whose epoch is longer or shorter than the dataset
        /// (class-aware sampling, a chosen <c>numSamples</c>, sharding).
        /// </summary>
        /// <param name="batchSize">The loader's batch size, at least 1.</param>
        /// <param name="dropLast">The loader's <c>drop_last</c>: true when an incomplete last batch is dropped.</param>
        /// <returns>The number of batches of one enumeration (this rank's share when sharded).</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1; pass the batch size given to the loader.</exception>
        public long BatchCount(int batchSize, bool dropLast = false)
        {
            if (batchSize < 1)
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1: pass the batch size given to the DataLoader.");
            long count = Count;
            return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
        }

        /// <summary>Selects the epoch that the next enumeration yields; a new epoch reshuffles.</summary>
        /// <param name="epoch">The epoch number, at least 0.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
        public void SetEpoch(int epoch)
        {
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be non-negative.");
            Epoch = epoch;
        }

        /// <summary>Makes this sampler yield only rank <paramref name="rank"/>'s slice of each epoch (see remarks).
        /// Every process must use the same seed, labels and settings.</summary>
        /// <param name="rank">This process's rank, in [0, worldSize).</param>
        /// <param name="worldSize">Number of processes, at least 1; 1 turns sharding off.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="worldSize"/> is below 1 or <paramref name="rank"/> is outside [0, worldSize).</exception>
        public void SetShard(int rank, int worldSize)
        {
            if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "The world size must be at least 1.");
            if (rank < 0 || rank >= worldSize)
                throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must lie in [0, {worldSize}).");
            Rank = rank;
            WorldSize = worldSize;
        }

        /// <summary>Enumerates this rank's indices of the current epoch.</summary>
        /// <returns>An enumerator over <see cref="Count"/> item indices.</returns>
        public IEnumerator<long> GetEnumerator()
        {
            long count = Count;
            return CreateEnumerator(Epoch, Rank * count, count);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        /// <summary>An enumerator over the positions [start, start + count) of epoch <paramref name="epoch"/>'s sequence.</summary>
        private protected abstract IEnumerator<long> CreateEnumerator(int epoch, long start, long count);
    }
}
