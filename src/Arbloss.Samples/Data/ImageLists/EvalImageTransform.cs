using System;
using System.Buffers;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// The authors' test transform, as torchvision computes it: Resize(resize) of the shorter side with antialiased
    /// bilinear resampling (the longer side becomes <c>floor(resize * long / short)</c>), CenterCrop(size), 8-bit pixels, normalisation.
    /// Defaults: 256 then 224, ImageNet mean/std. Deterministic: the seed is ignored.
    /// </summary>
    public sealed class EvalImageTransform : ImageTransform
    {
        /// <summary>Creates the transform.</summary>
        /// <param name="resize">Length the shorter side is resized to.</param>
        /// <param name="size">Side of the centre crop (the output).</param>
        /// <param name="normalization">Normalisation; null means <see cref="ImageNormalization.ImageNet"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive or exceeds <paramref name="resize"/>.</exception>
        public EvalImageTransform(int resize = 256, int size = 224, ImageNormalization? normalization = null)
            : base(size, normalization ?? ImageNormalization.ImageNet)
        {
            if (resize < size)
                throw new ArgumentOutOfRangeException(nameof(resize), resize, $"The resize length must be at least the crop size {size}.");
            Resize = resize;
        }

        /// <summary>Length the shorter side is resized to.</summary>
        public int Resize { get; }

        /// <summary>Size of the resized image for a <paramref name="width"/> x <paramref name="height"/> source.</summary>
        internal (int Width, int Height) ResizedSize(int width, int height)
        {
            if (width <= height) return (Resize, (int)((long)Resize * height / width));
            return ((int)((long)Resize * width / height), Resize);
        }

        /// <inheritdoc />
        protected override void Transform(RgbaImage image, ulong seed, Span<byte> destination)
        {
            var (rw, rh) = ResizedSize(image.Width, image.Height);
            var s = OutputSize;
            var top = (int)Math.Round((rh - s) / 2.0, MidpointRounding.ToEven);
            var left = (int)Math.Round((rw - s) / 2.0, MidpointRounding.ToEven);
            var hwc = ArrayPool<float>.Shared.Rent(s * s * 3);
            try
            {
                var pixels = hwc.AsSpan(0, s * s * 3);
                ResampleWindow(image, 0, 0, image.Width, image.Height, rw, rh, left, top, pixels);
                WritePixels(pixels, flip: false, destination);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(hwc);
            }
        }
    }
}
