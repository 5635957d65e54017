using System;

namespace Arbloss.Samples.ImageLists
{
    /// <summary>Settings of an <see cref="ImageBatchLoader"/>.</summary>
    public sealed record ImageLoaderOptions
    {
        /// <summary>Images per batch (default 256).</summary>
        public int BatchSize { get; init; } = 256;

        /// <summary>Decoding threads (default: the number of logical processors).</summary>
        public int Workers { get; init; } = Environment.ProcessorCount;

        /// <summary>Finished batches kept ready ahead of the consumer (default 2); one more is being built.</summary>
        public int Prefetch { get; init; } = 2;

        /// <summary>Whether each epoch visits the images in a fresh random order (default false: list order).</summary>
        public bool Shuffle { get; init; }

        /// <summary>Whether an incomplete last batch is dropped (default false).</summary>
        public bool DropLast { get; init; }

        /// <summary>Seed of the shuffles and of every sample's augmentation (default 0).</summary>
        public ulong Seed { get; init; }

        /// <summary>
        /// What to do with an image that cannot be decoded when its batch is built: stop with an
        /// <see cref="ImageListException"/> naming the list file and line (default), or leave it out of its batch and count it.
        /// </summary>
        public InvalidEntryPolicy Policy { get; init; } = InvalidEntryPolicy.Throw;

        /// <summary>Checks the settings.</summary>
        /// <exception cref="ArgumentOutOfRangeException">BatchSize, Workers or Prefetch is less than 1.</exception>
        public void Validate()
        {
            if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be at least 1.");
            if (Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "At least one worker is needed.");
            if (Prefetch < 1) throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "The prefetch depth must be at least 1.");
        }
    }
}
