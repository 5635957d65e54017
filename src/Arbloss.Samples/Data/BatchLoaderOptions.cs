namespace Arbloss.Samples.Data
{
    /// <summary>How <see cref="BatchLoader"/> builds batches.</summary>
    public sealed record BatchLoaderOptions
    {
        /// <summary>Threads reading the samples of a batch in parallel; 0 builds batches on the consuming thread
        /// without prefetching.</summary>
        public int Workers { get; init; } = 2;

        /// <summary>Batches built ahead of the consumer.</summary>
        public int Prefetch { get; init; } = 4;

        /// <summary>Whether samples are augmented (training) or only normalised (evaluation).</summary>
        public bool Augment { get; init; }

        /// <summary>Seed of the pass; each sample's augmentation seed mixes it with the sample's position.</summary>
        public ulong Seed { get; init; }

        /// <summary>First batch to produce (to continue an interrupted pass); earlier batches are skipped.</summary>
        public int FirstBatch { get; init; }
    }
}
