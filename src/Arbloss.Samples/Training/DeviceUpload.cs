using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Small host values (class counts, a mixup permutation) to the training device without a host-device
    /// synchronisation. A blocking copy from pageable memory waits for the device to finish its queued work; here the
    /// values are staged in page-locked memory from libtorch's caching host allocator and copied with
    /// <c>non_blocking: true</c>. That allocator records the copy, so the staging block is not reused before the device has
    /// read it, even though the staging tensor is disposed at once.
    /// </summary>
    internal static class DeviceUpload
    {
        /// <summary>int64 values as a tensor [n] on <paramref name="device"/> (the caller owns it).</summary>
        public static Tensor Int64(ReadOnlySpan<long> values, Device device)
        {
            var host = tensor(values.ToArray(), ScalarType.Int64);
            if (device.type == DeviceType.CPU) return host;
            using (host)
            {
                if (device.type != DeviceType.CUDA) return host.to(device, non_blocking: true);
                using var pinned = host.pin_memory();
                return pinned.to(device, non_blocking: true);
            }
        }

        /// <summary>Counts of each class in <paramref name="labels"/>, int64 [C] on <paramref name="device"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A label lies outside [0, C).</exception>
        public static Tensor ClassCounts(ReadOnlySpan<long> labels, int numClasses, Device device)
        {
            Span<long> counts = numClasses <= 1024 ? stackalloc long[numClasses] : new long[numClasses];
            counts.Clear();
            foreach (var label in labels)
            {
                if ((ulong)label >= (ulong)numClasses) throw new ArgumentOutOfRangeException(nameof(labels), label, $"A label lies outside [0, {numClasses}).");
                counts[(int)label]++;
            }
            return Int64(counts, device);
        }
    }
}
