using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Arbloss.Samples.ImageLists
{
    /// <summary>
    /// One batch from an <see cref="ImageBatchLoader"/>: images float32 [B, 3, S, S] and labels int64 [B] on the CPU.
    /// The consumer owns the batch: dispose it (which disposes both tensors) once it has been used or copied to a device.
    /// </summary>
    public sealed class ImageBatch : IDisposable
    {
        internal ImageBatch(int batchIndex, Tensor images, Tensor labels, int[] indices, int skipped)
        {
            BatchIndex = batchIndex;
            Images = images;
            Labels = labels;
            Indices = indices;
            Skipped = skipped;
        }

        /// <summary>Position of the batch in its epoch (0-based).</summary>
        public int BatchIndex { get; }

        /// <summary>Normalised images, float32 [B, 3, S, S].</summary>
        public Tensor Images { get; }

        /// <summary>Re-mapped labels, int64 [B].</summary>
        public Tensor Labels { get; }

        /// <summary>Dataset index of each image in the batch.</summary>
        public IReadOnlyList<int> Indices { get; }

        /// <summary>Number of images B.</summary>
        public int Count => Indices.Count;

        /// <summary>Images of this batch left out because they could not be decoded (<see cref="InvalidEntryPolicy.Skip"/>).</summary>
        public int Skipped { get; }

        /// <summary>Disposes both tensors.</summary>
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
        }
    }
}
