namespace Arbloss.Samples.Data
{
    /// <summary>How <see cref="BatchLoader"/> builds batches.</summary>
    public sealed record BatchLoaderOptions
    {
        /// <summary>Threads reading the samples of a batch in parallel; 0 builds batches on the consuming thread
        /// without prefetching.</summary>
        public int Workers { get; init; } = 2;

        /// <summary>Batches built ahead of the consumer (ignored when <see cref="Workers"/> is 0).</summary>
        public int Prefetch { get; init; } = 4;

        /// <summary>Whether samples are augmented (training) or only normalised (evaluation).</summary>
        public bool Augment { get; init; }

        /// <summary>Seed of the pass; each sample's augmentation seed mixes it with the sample's position.</summary>
        public ulong Seed { get; init; }

        /// <summary>First batch to produce (to continue an interrupted pass); earlier batches are skipped.</summary>
        public int FirstBatch { get; init; }

        /// <summary>
        /// Whether the reused host buffers are page-locked (pinned), so that <see cref="Batch.ImagesOn"/> and
        /// <see cref="Batch.LabelsOn"/> copy to a CUDA device asynchronously. Honoured only when CUDA is available;
        /// the trainer sets it when it trains on a CUDA device.
        /// </summary>
        public bool PinMemory { get; init; }

        /// <summary>
        /// Host buffers the loader reuses: <c>Prefetch + 2</c> with workers (the batches queued, the one being built and
        /// the one the consumer holds), 2 without. A batch's buffer is written again only after the batch has been
        /// disposed: a consumer that holds k batches at once leaves the loader <c>RingSize - k</c> buffers (it prefetches
        /// k - 1 fewer), and holding <c>RingSize</c> undisposed batches while asking for the next one throws (that batch
        /// could never be built).
        /// </summary>
        public int RingSize => (Workers == 0 ? 0 : System.Math.Max(1, Prefetch)) + 2;
    }
}
