using System;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A batch of samples and labels on the host, owned by the consumer: dispose it when done. Batches from
    /// <see cref="BatchLoader"/> live in the loader's reused host buffers (see <see cref="BatchLoaderOptions.RingSize"/>):
    /// <see cref="Images"/>, <see cref="Labels"/> and <see cref="HostLabels"/> stay valid until the batch is disposed,
    /// and the buffer is then reused for a later batch, so nothing may read them afterwards.
    /// </summary>
    /// <remarks>
    /// Move a batch to the training device with <see cref="ImagesOn"/> and <see cref="LabelsOn"/>: asynchronous copies
    /// (non-blocking, from pinned memory when the loader pinned it), and 8-bit pixels normalised on the device. Neither
    /// synchronises the host with the device. On a CUDA device the copies are tracked, and the loader waits for them
    /// to complete before it writes into the buffer again.
    /// </remarks>
    public sealed class Batch : IDisposable
    {
        private readonly BatchRing.Slot? _slot;
        private readonly long[] _hostLabels;
        private readonly Tensor? _targets;
        private bool _handed;
        private int _disposed;

        /// <summary>Wraps the tensors of one batch (the batch owns them and disposes them).</summary>
        /// <param name="index">Position of the batch in its epoch, from 0.</param>
        /// <param name="images">Samples [B, ...] on the host: float32, or uint8 pixels when <paramref name="pixels"/> is given.</param>
        /// <param name="labels">Labels [B], int64, on the host.</param>
        /// <param name="pixels">How the uint8 <paramref name="images"/> are normalised; null for float32 samples.</param>
        /// <exception cref="ArgumentNullException"><paramref name="images"/> or <paramref name="labels"/> is null.</exception>
        /// <param name="targets">Dense targets [B, ...], int64, on the host (e.g. segmentation masks); null when the labels
        /// are the targets.</param>
        /// <exception cref="ArgumentException">The dtypes do not match the description above, or the sizes differ.</exception>
        public Batch(int index, Tensor images, Tensor labels, PixelNormalization? pixels = null, Tensor? targets = null)
        {
            Images = images ?? throw new ArgumentNullException(nameof(images));
            Labels = labels ?? throw new ArgumentNullException(nameof(labels));
            if (images.dtype != (pixels is null ? ScalarType.Float32 : ScalarType.Byte))
                throw new ArgumentException($"The images are {images.dtype}; expected {(pixels is null ? "float32 (no pixel normalisation given)" : "uint8 pixels")}.", nameof(images));
            if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || images.dim() < 1 || labels.size(0) != images.size(0))
                throw new ArgumentException("The labels must be an int64 vector with one entry per image.", nameof(labels));
            if (targets is not null && (targets.dtype != ScalarType.Int64 || targets.dim() < 2 || targets.size(0) != labels.size(0)))
                throw new ArgumentException("The dense targets must be int64 [B, ...] with one entry per image.", nameof(targets));
            _targets = targets;
            Index = index;
            Pixels = pixels;
            Size = (int)labels.size(0);
            _hostLabels = labels.data<long>().ToArray();
        }

        internal Batch(int index, BatchRing.Slot slot, int count, PixelNormalization? pixels)
        {
            _slot = slot;
            Index = index;
            Pixels = pixels;
            Size = count;
            _hostLabels = slot.HostLabels;
            // Views of the slot's buffers (the slot keeps the memory); outside any dispose scope of the caller.
            Images = (count == slot.Samples.size(0) ? slot.Samples.alias() : slot.Samples.narrow(0, 0, count)).DetachFromDisposeScope();
            Labels = (count == slot.LabelTensor.size(0) ? slot.LabelTensor.alias() : slot.LabelTensor.narrow(0, 0, count)).DetachFromDisposeScope();
            if (slot.TargetTensor is { } targets)
                _targets = (count == targets.size(0) ? targets.alias() : targets.narrow(0, 0, count)).DetachFromDisposeScope();
        }

        /// <summary>Position of the batch in its epoch, from 0.</summary>
        public int Index { get; }

        /// <summary>Samples [B, ...] on the host: uint8 pixels when <see cref="Pixels"/> is not null, else float32.</summary>
        public Tensor Images { get; }

        /// <summary>Labels [B], int64, on the host.</summary>
        public Tensor Labels { get; }

        /// <summary>The training targets on the host: the dense targets [B, ...] (int64) of a source with
        /// <see cref="ISampleSource.TargetShape"/> (e.g. segmentation masks [B, H, W]), else <see cref="Labels"/> [B].</summary>
        public Tensor Targets => _targets ?? Labels;

        /// <summary>Whether <see cref="Targets"/> are dense targets rather than the labels.</summary>
        public bool IsDense => _targets is not null;

        /// <summary>The normalisation of uint8 <see cref="Images"/>; null when they are float32.</summary>
        public PixelNormalization? Pixels { get; }

        /// <summary>The labels as managed values (no tensor read): for counting and checking them on the host.</summary>
        public ReadOnlySpan<long> HostLabels => _hostLabels.AsSpan(0, Size);

        /// <summary>Number of samples B.</summary>
        public int Size { get; }

        /// <summary>Position of the batch's buffer in the loader's ring, for tests; -1 for a batch that owns its tensors.</summary>
        internal int SlotId => _slot?.Id ?? -1;

        /// <summary>
        /// The model's float32 input [B, ...] on <paramref name="device"/>: the samples copied without blocking (8 bits per
        /// value for pixel batches) and, for pixels, normalised there (<see cref="PixelNormalization.Normalize"/>).
        /// </summary>
        /// <param name="device">The training device.</param>
        /// <returns>A new tensor the caller owns. On the CPU a float32 batch's tensor shares the batch's memory: use it
        /// only until the batch is disposed.</returns>
        /// <exception cref="ObjectDisposedException">The batch has been disposed.</exception>
        public Tensor ImagesOn(Device device)
        {
            ArgumentNullException.ThrowIfNull(device);
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            bool async = device.type != DeviceType.CPU;
            Tensor result;
            if (Pixels is null)
            {
                result = Images.to(device, non_blocking: async);
            }
            else
            {
                using var pixels = Images.to(device, non_blocking: async);
                result = Pixels.Normalize(pixels);
            }
            _slot?.Signal(device);
            return result;
        }

        /// <summary>The labels [B], int64, on <paramref name="device"/>, copied without blocking.</summary>
        /// <param name="device">The training device.</param>
        /// <returns>A new tensor the caller owns (on the CPU it shares the batch's memory: use it only until the batch is disposed).</returns>
        /// <exception cref="ObjectDisposedException">The batch has been disposed.</exception>
        public Tensor LabelsOn(Device device)
        {
            ArgumentNullException.ThrowIfNull(device);
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var result = Labels.to(device, non_blocking: device.type != DeviceType.CPU);
            _slot?.Signal(device);
            return result;
        }

        /// <summary>The training targets (<see cref="Targets"/>: dense targets, else the labels) on <paramref name="device"/>,
        /// copied without blocking.</summary>
        /// <param name="device">The training device.</param>
        /// <returns>A new tensor the caller owns (on the CPU it shares the batch's memory: use it only until the batch is disposed).</returns>
        /// <exception cref="ObjectDisposedException">The batch has been disposed.</exception>
        public Tensor TargetsOn(Device device)
        {
            ArgumentNullException.ThrowIfNull(device);
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var result = Targets.to(device, non_blocking: device.type != DeviceType.CPU);
            _slot?.Signal(device);
            return result;
        }

        /// <summary>Records that the loader hands this batch to the consumer.</summary>
        internal void MarkHanded() => _handed = true;

        /// <summary>Releases the tensors; a loader batch gives its buffer back to the loader for a later batch.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Images.Dispose();
            Labels.Dispose();
            _targets?.Dispose();
            _slot?.Return(_handed);
        }
    }
}
