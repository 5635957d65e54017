using System;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>A batch of samples and labels on the CPU, owned by the consumer (dispose it after use).</summary>
    public sealed class Batch : IDisposable
    {
        /// <summary>Wraps the tensors of one batch.</summary>
        /// <param name="index">Position of the batch in its epoch, from 0.</param>
        /// <param name="images">Samples [B, ...], float32.</param>
        /// <param name="labels">Labels [B], int64.</param>
        public Batch(int index, Tensor images, Tensor labels)
        {
            Index = index;
            Images = images ?? throw new ArgumentNullException(nameof(images));
            Labels = labels ?? throw new ArgumentNullException(nameof(labels));
        }

        /// <summary>Position of the batch in its epoch, from 0.</summary>
        public int Index { get; }

        /// <summary>Samples [B, ...], float32.</summary>
        public Tensor Images { get; }

        /// <summary>Labels [B], int64.</summary>
        public Tensor Labels { get; }

        /// <summary>Number of samples B.</summary>
        public int Size => (int)Labels.shape[0];

        /// <summary>Releases both tensors.</summary>
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
        }
    }
}
