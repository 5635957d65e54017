using System;
using System.Buffers;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// The authors' training augmentation, as torchvision computes it: RandomResizedCrop(size, scale, ratio) with
    /// antialiased bilinear resampling, RandomHorizontalFlip(p), ColorJitter(brightness, contrast, saturation) with the
    /// three adjustments in random order, then normalisation. Defaults: 224 px, scale [0.08, 1], ratio [3/4, 4/3],
    /// p = 0.5, jitter 0.4 / 0.4 / 0.4, ImageNet mean/std. Hue jitter is not offered (the authors use 0). As on PIL
    /// images, every step yields 8-bit values: the resize rounds each pass, and each colour adjustment is PIL's blend
    /// with its degenerate image (black; the rounded mean grey; the per-pixel grey), clipped and truncated to 8 bits.
    /// </summary>
    public sealed class TrainImageTransform : ImageTransform
    {
        /// <summary>Creates the transform.</summary>
        /// <param name="size">Side of the square output.</param>
        /// <param name="scaleMin">Smallest crop area as a fraction of the image area.</param>
        /// <param name="scaleMax">Largest crop area as a fraction of the image area.</param>
        /// <param name="ratioMin">Smallest crop aspect ratio (width / height).</param>
        /// <param name="ratioMax">Largest crop aspect ratio.</param>
        /// <param name="flipProbability">Probability of a horizontal flip.</param>
        /// <param name="brightness">Brightness jitter b: factor uniform in [max(0, 1 - b), 1 + b]; 0 disables it.</param>
        /// <param name="contrast">Contrast jitter, as <paramref name="brightness"/>.</param>
        /// <param name="saturation">Saturation jitter, as <paramref name="brightness"/>.</param>
        /// <param name="normalization">Normalisation; null means <see cref="ImageNormalization.ImageNet"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException">A size, range, probability or jitter is out of its valid range
        /// (0 &lt; scaleMin &lt;= scaleMax &lt;= 1, 0 &lt; ratioMin &lt;= ratioMax, 0 &lt;= p &lt;= 1, jitter &gt;= 0).</exception>
        public TrainImageTransform(int size = 224, double scaleMin = 0.08, double scaleMax = 1.0, double ratioMin = 3.0 / 4.0,
            double ratioMax = 4.0 / 3.0, double flipProbability = 0.5, double brightness = 0.4, double contrast = 0.4,
            double saturation = 0.4, ImageNormalization? normalization = null)
            : base(size, normalization ?? ImageNormalization.ImageNet)
        {
            if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1))
                throw new ArgumentOutOfRangeException(nameof(scaleMin), $"The scale range [{scaleMin}, {scaleMax}] must satisfy 0 < min <= max <= 1.");
            if (!(ratioMin > 0 && ratioMin <= ratioMax && double.IsFinite(ratioMax)))
                throw new ArgumentOutOfRangeException(nameof(ratioMin), $"The ratio range [{ratioMin}, {ratioMax}] must satisfy 0 < min <= max < infinity.");
            if (!(flipProbability >= 0 && flipProbability <= 1))
                throw new ArgumentOutOfRangeException(nameof(flipProbability), flipProbability, "The flip probability must lie in [0, 1].");
            CheckJitter(brightness, nameof(brightness));
            CheckJitter(contrast, nameof(contrast));
            CheckJitter(saturation, nameof(saturation));
            ScaleMin = scaleMin;
            ScaleMax = scaleMax;
            RatioMin = ratioMin;
            RatioMax = ratioMax;
            FlipProbability = flipProbability;
            Brightness = brightness;
            Contrast = contrast;
            Saturation = saturation;
        }

        private static void CheckJitter(double value, string name)
        {
            if (!(value >= 0 && double.IsFinite(value)))
                throw new ArgumentOutOfRangeException(name, value, "A jitter strength must be finite and non-negative.");
        }

        /// <summary>Smallest crop area fraction.</summary>
        public double ScaleMin { get; }

        /// <summary>Largest crop area fraction.</summary>
        public double ScaleMax { get; }

        /// <summary>Smallest crop aspect ratio (width / height).</summary>
        public double RatioMin { get; }

        /// <summary>Largest crop aspect ratio (width / height).</summary>
        public double RatioMax { get; }

        /// <summary>Probability of a horizontal flip.</summary>
        public double FlipProbability { get; }

        /// <summary>Brightness jitter strength.</summary>
        public double Brightness { get; }

        /// <summary>Contrast jitter strength.</summary>
        public double Contrast { get; }

        /// <summary>Saturation jitter strength.</summary>
        public double Saturation { get; }

        /// <summary>The crop box RandomResizedCrop picks for a <paramref name="width"/> x <paramref name="height"/> image
        /// (torchvision's procedure: ten tries at a random area and log-uniform ratio, else a centre crop at the clamped ratio).</summary>
        internal (int X, int Y, int Width, int Height) SampleCrop(int width, int height, ref SampleRandom rng)
        {
            double area = (double)width * height;
            var logMin = Math.Log(RatioMin);
            var logMax = Math.Log(RatioMax);
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var targetArea = area * rng.Uniform(ScaleMin, ScaleMax);
                var aspect = Math.Exp(rng.Uniform(logMin, logMax));
                var w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
                var h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
                if (w > 0 && w <= width && h > 0 && h <= height)
                {
                    var y = rng.NextInt(height - h + 1);
                    var x = rng.NextInt(width - w + 1);
                    return (x, y, w, h);
                }
            }
            var ratio = (double)width / height;
            int cw, ch;
            if (ratio < RatioMin)
            {
                cw = width;
                ch = Math.Max(1, (int)Math.Round(cw / RatioMin, MidpointRounding.ToEven));
            }
            else if (ratio > RatioMax)
            {
                ch = height;
                cw = Math.Max(1, (int)Math.Round(ch * RatioMax, MidpointRounding.ToEven));
            }
            else
            {
                cw = width;
                ch = height;
            }
            return ((width - cw) / 2, (height - ch) / 2, cw, ch);
        }

        /// <inheritdoc />
        protected override void Transform(RgbaImage image, ulong seed, Span<byte> destination)
        {
            var rng = new SampleRandom(seed);
            var (x, y, w, h) = SampleCrop(image.Width, image.Height, ref rng);
            var flip = rng.NextDouble() < FlipProbability;
            // ColorJitter draws the order first, then the factors of the enabled adjustments.
            Span<int> order = stackalloc int[] { 0, 1, 2 };
            rng.Shuffle(order);
            var brightness = Brightness > 0 ? rng.Uniform(Math.Max(0, 1 - Brightness), 1 + Brightness) : 1.0;
            var contrast = Contrast > 0 ? rng.Uniform(Math.Max(0, 1 - Contrast), 1 + Contrast) : 1.0;
            var saturation = Saturation > 0 ? rng.Uniform(Math.Max(0, 1 - Saturation), 1 + Saturation) : 1.0;

            var s = OutputSize;
            var hwc = ArrayPool<float>.Shared.Rent(s * s * 3);
            try
            {
                var pixels = hwc.AsSpan(0, s * s * 3);
                ResampleWindow(image, x, y, w, h, s, s, 0, 0, pixels);
                foreach (var op in order)
                {
                    switch (op)
                    {
                        case 0 when Brightness > 0: AdjustBrightness(pixels, (float)brightness); break;
                        case 1 when Contrast > 0: AdjustContrast(pixels, (float)contrast); break;
                        case 2 when Saturation > 0: AdjustSaturation(pixels, (float)saturation); break;
                    }
                }
                WritePixels(pixels, flip, destination);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(hwc);
            }
        }

        // PIL's ImageEnhance: Image.blend(degenerate, image, factor) = trunc(clip(d + factor * (p - d), 0, 255)) in float
        // arithmetic, on 8-bit values; the degenerate image is black (brightness), the rounded mean of the grey image
        // (contrast) or the grey image itself (saturation). The buffers hold whole numbers in [0, 255] throughout.
        private static float Blend(float degenerate, float value, float factor)
        {
            var v = degenerate + factor * (value - degenerate);
            return v <= 0f ? 0f : v >= 255f ? 255f : MathF.Truncate(v);
        }

        private static void AdjustBrightness(Span<float> rgb, float factor)
        {
            for (var i = 0; i < rgb.Length; i++) rgb[i] = Blend(0f, rgb[i], factor);
        }

        private static void AdjustContrast(Span<float> rgb, float factor)
        {
            long sum = 0;
            for (var i = 0; i < rgb.Length; i += 3) sum += Gray(rgb[i], rgb[i + 1], rgb[i + 2]);
            // ImageEnhance.Contrast: int(mean of the "L" image + 0.5).
            var mean = (float)Math.Floor((double)sum / (rgb.Length / 3) + 0.5);
            for (var i = 0; i < rgb.Length; i++) rgb[i] = Blend(mean, rgb[i], factor);
        }

        private static void AdjustSaturation(Span<float> rgb, float factor)
        {
            for (var i = 0; i < rgb.Length; i += 3)
            {
                float grey = Gray(rgb[i], rgb[i + 1], rgb[i + 2]);
                rgb[i] = Blend(grey, rgb[i], factor);
                rgb[i + 1] = Blend(grey, rgb[i + 1], factor);
                rgb[i + 2] = Blend(grey, rgb[i + 2], factor);
            }
        }

        // PIL's convert("L"): ITU-R 601-2 luma in 16-bit fixed point, rounded.
        private static int Gray(float r, float g, float b) => ((int)r * 19595 + (int)g * 38470 + (int)b * 7471 + 0x8000) >> 16;
    }
}
