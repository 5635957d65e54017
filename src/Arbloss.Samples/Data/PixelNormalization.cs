using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// How 8-bit pixels become the model's float32 input: channel c of a pixel value p is <c>p * Scale[c] + Shift[c]</c>,
    /// i.e. <c>(p / 255 - mean) / std</c> with <c>Scale = 1 / (255 std)</c> and <c>Shift = -mean / std</c>, computed in
    /// float32 as one multiplication and one addition. The loader sends pixels as bytes and the consumer normalises on
    /// the device (<see cref="Normalize"/>); <see cref="ISampleSource.Read"/> on the host uses the same two float32
    /// operations, so both give bit-identical inputs.
    /// </summary>
    public sealed class PixelNormalization
    {
        // Made once (TorchSharp frees Scalars in the finalizer only; a Scalar per batch pins holes in glibc's heap).
        private static readonly Scalar One = 1.ToScalar();

        private readonly float[] _scale;
        private readonly float[] _shift;
        private readonly object _gate = new();
        private readonly Dictionary<(DeviceType, int, long), (Tensor Scale, Tensor Shift)> _onDevice = new();

        /// <summary>Creates the normalisation from per-channel factors.</summary>
        /// <param name="scale">Factor of each channel, finite and non-zero.</param>
        /// <param name="shift">Offset of each channel, finite; as many as <paramref name="scale"/>.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The lengths differ or are zero, or a value is not finite (or a scale is 0).</exception>
        public PixelNormalization(IReadOnlyList<float> scale, IReadOnlyList<float> shift)
        {
            ArgumentNullException.ThrowIfNull(scale);
            ArgumentNullException.ThrowIfNull(shift);
            if (scale.Count == 0 || scale.Count != shift.Count)
                throw new ArgumentException($"Give one scale and one shift per channel; got {scale.Count} and {shift.Count}.", nameof(shift));
            if (scale.Any(s => !float.IsFinite(s) || s == 0)) throw new ArgumentException("Every scale must be finite and non-zero.", nameof(scale));
            if (shift.Any(s => !float.IsFinite(s))) throw new ArgumentException("Every shift must be finite.", nameof(shift));
            _scale = scale.ToArray();
            _shift = shift.ToArray();
        }

        /// <summary>The normalisation <c>(p / 255 - mean) / std</c> per channel, with the factors rounded to float32 as
        /// <c>(float)(1 / (255 std))</c> and <c>(float)(-mean / std)</c> (computed in double).</summary>
        /// <param name="mean">Per-channel mean of <c>p / 255</c>.</param>
        /// <param name="std">Per-channel standard deviation of <c>p / 255</c>, positive.</param>
        /// <returns>The normalisation.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The lengths differ, or a standard deviation is not positive.</exception>
        public static PixelNormalization FromMeanStd(IReadOnlyList<double> mean, IReadOnlyList<double> std)
        {
            ArgumentNullException.ThrowIfNull(mean);
            ArgumentNullException.ThrowIfNull(std);
            if (mean.Count != std.Count) throw new ArgumentException($"{mean.Count} means for {std.Count} standard deviations.", nameof(std));
            if (std.Any(s => !(s > 0))) throw new ArgumentException("Every standard deviation must be positive.", nameof(std));
            return new PixelNormalization(std.Select(s => (float)(1.0 / (255.0 * s))).ToArray(), mean.Zip(std, (m, s) => (float)(-m / s)).ToArray());
        }

        /// <summary>Number of channels C.</summary>
        public int Channels => _scale.Length;

        /// <summary>Factor of each channel.</summary>
        public IReadOnlyList<float> Scale => _scale;

        /// <summary>Offset of each channel.</summary>
        public IReadOnlyList<float> Shift => _shift;

        /// <summary>Normalises the pixels of one channel on the host.</summary>
        /// <param name="channel">The channel, in [0, C).</param>
        /// <param name="pixels">The channel's bytes.</param>
        /// <param name="destination">Receives as many floats.</param>
        /// <exception cref="ArgumentException">The spans differ in length.</exception>
        public void NormalizeChannel(int channel, ReadOnlySpan<byte> pixels, Span<float> destination)
        {
            if (pixels.Length != destination.Length)
                throw new ArgumentException($"{pixels.Length} pixels for {destination.Length} floats.", nameof(destination));
            float scale = _scale[channel], shift = _shift[channel];
            for (int i = 0; i < pixels.Length; i++) destination[i] = pixels[i] * scale + shift;
        }

        /// <summary>
        /// float32 inputs from uint8 pixels [B, C, ...] on any device: <c>pixels.to(float32) * Scale + Shift</c>, per channel
        /// (dimension 1). The per-channel factors are uploaded once per device and kept. Enqueues device work only: no
        /// host-device synchronisation.
        /// </summary>
        /// <param name="pixels">uint8 pixels [B, C, ...].</param>
        /// <returns>A new float32 tensor on the pixels' device (the caller owns it).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="pixels"/> is null.</exception>
        /// <exception cref="ArgumentException">Not uint8, or dimension 1 is not C.</exception>
        public Tensor Normalize(Tensor pixels)
        {
            ArgumentNullException.ThrowIfNull(pixels);
            if (pixels.dtype != ScalarType.Byte) throw new ArgumentException($"Expected uint8 pixels, got {pixels.dtype}.", nameof(pixels));
            if (pixels.dim() < 2 || pixels.size(1) != Channels)
                throw new ArgumentException($"Expected pixels [B, {Channels}, ...], got [{string.Join(", ", pixels.shape)}].", nameof(pixels));
            var (scale, shift) = On(pixels);
            var x = pixels.to_type(ScalarType.Float32);
            return x.mul_(scale).add_(shift, One);
        }

        private (Tensor Scale, Tensor Shift) On(Tensor like)
        {
            var key = (like.device_type, like.device_index, like.dim());
            lock (_gate)
            {
                if (_onDevice.TryGetValue(key, out var pair)) return pair;
                var shape = new long[like.dim() - 1];
                Array.Fill(shape, 1L);
                shape[0] = Channels;
                // Built once per device (a blocking upload, outside any training step), never disposed with a scope.
                using var hostScale = tensor(_scale, shape);
                using var hostShift = tensor(_shift, shape);
                var scale = hostScale.to(like.device, copy: true).DetachFromDisposeScope();
                var shift = hostShift.to(like.device, copy: true).DetachFromDisposeScope();
                _onDevice[key] = (scale, shift);
                return (scale, shift);
            }
        }
    }
}
