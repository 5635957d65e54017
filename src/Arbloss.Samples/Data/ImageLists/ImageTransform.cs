using System;
using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Turns a decoded image into 8-bit CHW pixels of size 3 x <see cref="OutputSize"/> x <see cref="OutputSize"/>
    /// (<see cref="ApplyPixels"/>), as torchvision's PIL transforms do before ToTensor: every resampling pass and every
    /// colour adjustment rounds to 8 bits as PIL does. <see cref="Apply"/> then normalises them to float32
    /// (<c>p * PixelScale + PixelShift</c>). Random transforms draw every random number from a generator seeded by the
    /// <c>seed</c> argument only, so the output is reproducible and independent of threads. Implementations are thread-safe.
    /// </summary>
    public abstract class ImageTransform
    {
        /// <summary>Sets the output size and normalisation.</summary>
        /// <param name="outputSize">Side of the square output, in pixels.</param>
        /// <param name="normalization">Per-channel mean and standard deviation.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputSize"/> is not positive, or a standard deviation is not positive.</exception>
        protected ImageTransform(int outputSize, ImageNormalization normalization)
        {
            if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "The output size must be positive.");
            for (var c = 0; c < 3; c++)
            {
                if (!(normalization.Std(c) > 0) || !float.IsFinite(normalization.Std(c)) || !float.IsFinite(normalization.Mean(c)))
                    throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "Means must be finite and standard deviations positive and finite.");
            }
            OutputSize = outputSize;
            Normalization = normalization;
        }

        /// <summary>Side of the square output, in pixels.</summary>
        public int OutputSize { get; }

        /// <summary>The normalisation applied last.</summary>
        public ImageNormalization Normalization { get; }

        /// <summary>Number of values (bytes or floats) one output holds: 3 * OutputSize * OutputSize.</summary>
        public int OutputLength => 3 * OutputSize * OutputSize;

        /// <summary>Pixels of one channel plane: OutputSize * OutputSize.</summary>
        internal int PlaneLength => OutputSize * OutputSize;

        /// <summary>Float32 factor of channel <paramref name="channel"/>: <c>1 / (255 std)</c>.</summary>
        /// <param name="normalization">The normalisation.</param>
        /// <param name="channel">0, 1 or 2.</param>
        /// <returns>The factor.</returns>
        public static float PixelScale(ImageNormalization normalization, int channel) => 1f / (255f * normalization.Std(channel));

        /// <summary>Float32 offset of channel <paramref name="channel"/>: <c>-mean / std</c>.</summary>
        /// <param name="normalization">The normalisation.</param>
        /// <param name="channel">0, 1 or 2.</param>
        /// <returns>The offset.</returns>
        public static float PixelShift(ImageNormalization normalization, int channel) => -normalization.Mean(channel) / normalization.Std(channel);

        /// <summary>Transforms <paramref name="image"/> into <paramref name="destination"/> (CHW, normalised): the pixels of
        /// <see cref="ApplyPixels"/>, each channel as <c>p * PixelScale + PixelShift</c> in float32.</summary>
        /// <param name="image">The decoded image.</param>
        /// <param name="seed">Seed of this sample's random draws (ignored by deterministic transforms).</param>
        /// <param name="destination">At least <see cref="OutputLength"/> floats.</param>
        /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
        public void Apply(RgbaImage image, ulong seed, Span<float> destination)
        {
            if (image is null) throw new ArgumentNullException(nameof(image));
            if (destination.Length < OutputLength)
                throw new ArgumentException($"The destination holds {destination.Length} floats but the transform writes {OutputLength}.", nameof(destination));
            var pixels = ArrayPool<byte>.Shared.Rent(OutputLength);
            try
            {
                Transform(image, seed, pixels.AsSpan(0, OutputLength));
                var plane = PlaneLength;
                for (var c = 0; c < 3; c++)
                {
                    float a = PixelScale(Normalization, c), b = PixelShift(Normalization, c);
                    var src = pixels.AsSpan(c * plane, plane);
                    var dst = destination.Slice(c * plane, plane);
                    for (var i = 0; i < plane; i++) dst[i] = src[i] * a + b;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pixels);
            }
        }

        /// <summary>Transforms <paramref name="image"/> into 8-bit CHW pixels (not normalised).</summary>
        /// <param name="image">The decoded image.</param>
        /// <param name="seed">Seed of this sample's random draws (ignored by deterministic transforms).</param>
        /// <param name="destination">At least <see cref="OutputLength"/> bytes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
        public void ApplyPixels(RgbaImage image, ulong seed, Span<byte> destination)
        {
            if (image is null) throw new ArgumentNullException(nameof(image));
            if (destination.Length < OutputLength)
                throw new ArgumentException($"The destination holds {destination.Length} bytes but the transform writes {OutputLength}.", nameof(destination));
            Transform(image, seed, destination[..OutputLength]);
        }

        /// <summary>Transforms <paramref name="image"/> into a new float32 tensor [3, OutputSize, OutputSize] on the CPU.</summary>
        /// <param name="image">The decoded image.</param>
        /// <param name="seed">Seed of this sample's random draws.</param>
        /// <returns>The tensor (the caller owns it).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
        public Tensor ToTensor(RgbaImage image, ulong seed)
        {
            var data = new float[OutputLength];
            Apply(image, seed, data);
            return torch.tensor(data, new long[] { 3, OutputSize, OutputSize });
        }

        /// <summary>Writes the 8-bit transform of <paramref name="image"/> into <paramref name="destination"/> (exactly
        /// <see cref="OutputLength"/> bytes, CHW).</summary>
        /// <param name="image">The decoded image.</param>
        /// <param name="seed">Seed of this sample's random draws.</param>
        /// <param name="destination">Exactly <see cref="OutputLength"/> bytes.</param>
        protected abstract void Transform(RgbaImage image, ulong seed, Span<byte> destination);

        /// <summary>
        /// Crops the box [x0, x0 + boxWidth) x [y0, y0 + boxHeight) of <paramref name="image"/>, resizes the crop to
        /// <paramref name="virtualWidth"/> x <paramref name="virtualHeight"/> with antialiased bilinear filtering (as
        /// torchvision's crop-then-resize: no pixel outside the box contributes), and keeps the OutputSize x OutputSize
        /// window at (<paramref name="left"/>, <paramref name="top"/>): HWC RGB values, whole numbers in [0, 255] (each
        /// pass rounded to 8 bits, as PIL).
        /// </summary>
        /// <param name="image">The decoded image.</param>
        /// <param name="x0">Left edge of the source box.</param>
        /// <param name="y0">Top edge of the source box.</param>
        /// <param name="boxWidth">Width of the source box.</param>
        /// <param name="boxHeight">Height of the source box.</param>
        /// <param name="virtualWidth">Width the box is resized to.</param>
        /// <param name="virtualHeight">Height the box is resized to.</param>
        /// <param name="left">Left edge of the kept window in the resized box.</param>
        /// <param name="top">Top edge of the kept window in the resized box.</param>
        /// <param name="hwc">Receives OutputSize * OutputSize * 3 floats.</param>
        protected void ResampleWindow(RgbaImage image, int x0, int y0, int boxWidth, int boxHeight,
            int virtualWidth, int virtualHeight, int left, int top, Span<float> hwc)
        {
            if (image is null) throw new ArgumentNullException(nameof(image));
            var s = OutputSize;
            if (x0 < 0 || y0 < 0 || boxWidth < 1 || boxHeight < 1 || x0 + boxWidth > image.Width || y0 + boxHeight > image.Height)
                throw new ArgumentOutOfRangeException(nameof(boxWidth), $"The box ({x0}, {y0}, {boxWidth}, {boxHeight}) must lie inside the {image.Width}x{image.Height} image.");
            if (left < 0 || top < 0 || left + s > virtualWidth || top + s > virtualHeight)
                throw new ArgumentOutOfRangeException(nameof(left), $"The {s}x{s} window at ({left}, {top}) must lie inside the resized {virtualWidth}x{virtualHeight} box.");
            using var xf = Resampler.Build(x0, boxWidth, virtualWidth, left, s);
            using var yf = Resampler.Build(y0, boxHeight, virtualHeight, top, s);
            var scratch = ArrayPool<float>.Shared.Rent(Resampler.ScratchLength(xf, yf));
            try
            {
                Resampler.Resize(image.Pixels, image.Width, xf, yf, scratch, hwc);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }

        /// <summary>
        /// Writes HWC RGB values (whole numbers in [0, 255]) to <paramref name="chw"/> as 8-bit CHW pixels, mirrored
        /// left-right when <paramref name="flip"/>.
        /// </summary>
        /// <param name="hwc">OutputSize * OutputSize * 3 values.</param>
        /// <param name="flip">Whether to mirror horizontally.</param>
        /// <param name="chw">Receives <see cref="OutputLength"/> bytes.</param>
        protected void WritePixels(ReadOnlySpan<float> hwc, bool flip, Span<byte> chw)
        {
            var s = OutputSize;
            var plane = s * s;
            for (var c = 0; c < 3; c++)
            {
                var dst = chw.Slice(c * plane, plane);
                for (var y = 0; y < s; y++)
                {
                    var row = y * s;
                    for (var x = 0; x < s; x++)
                    {
                        var sx = flip ? s - 1 - x : x;
                        dst[row + x] = (byte)hwc[(row + sx) * 3 + c];
                    }
                }
            }
        }
    }
}
