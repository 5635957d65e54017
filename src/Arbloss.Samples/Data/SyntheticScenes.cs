using System;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Procedurally generated segmentation scenes for the <c>synthetic-seg</c> benchmark: a textured background (class 0)
    /// with discs and squares of classes 1 ... 9 drawn on it. Each class has its own colour, stripe texture and size;
    /// the smaller classes appear in fewer scenes and are smaller, so pixel frequencies span about 100:1 from the
    /// background to class 9 (the long tail of real segmentation data). Colours of neighbouring classes overlap and
    /// every pixel carries noise, so a network must use texture and shape, not colour alone. Scene i depends only on
    /// (seed, i): generation is deterministic and thread-safe.
    /// </summary>
    public static class SyntheticScenes
    {
        /// <summary>Number of classes (background + 9 object classes).</summary>
        public const int NumClasses = 10;

        // Per object class (1 ... 9): mean colour, stripe period / orientation, radius in px at 48 px, probability of
        // appearing in a scene. Chosen so that the pixel share falls by about 100x from class 0 to class 9.
        private static readonly (byte R, byte G, byte B)[] Colours =
        {
            (90, 110, 130), (200, 60, 60), (180, 90, 70), (60, 170, 70), (80, 150, 110),
            (70, 80, 200), (110, 90, 190), (200, 190, 60), (190, 160, 90), (210, 210, 210),
        };

        private static readonly double[] Radius = { 0, 11, 9.5, 8, 7, 6, 5, 4.2, 3.6, 3.4 };
        private static readonly double[] Appears = { 0, 0.95, 0.9, 0.8, 0.7, 0.55, 0.45, 0.35, 0.28, 0.25 };
        private static readonly int[] Period = { 7, 0, 4, 0, 5, 0, 3, 0, 4, 6 };   // 0: no stripes
        private static readonly bool[] Square = { false, false, true, false, true, false, true, true, false, true };

        /// <summary>Writes scene <paramref name="index"/>: RGB pixels as bytes [3, size, size] (channel planes) and the
        /// class of every pixel [size, size].</summary>
        /// <param name="seed">The benchmark's seed.</param>
        /// <param name="index">Scene index, from 0.</param>
        /// <param name="size">Side in pixels (at least 16).</param>
        /// <param name="pixels">3 * size * size bytes.</param>
        /// <param name="mask">size * size classes in [0, <see cref="NumClasses"/>).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 16 or <paramref name="index"/> negative.</exception>
        /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
        public static void Render(long seed, int index, int size, Span<byte> pixels, Span<long> mask)
        {
            if (size < 16) throw new ArgumentOutOfRangeException(nameof(size), size, "Scenes are at least 16 px wide.");
            if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "Scene indices start at 0.");
            if (pixels.Length != 3 * size * size) throw new ArgumentException($"Expected {3 * size * size} bytes, got {pixels.Length}.", nameof(pixels));
            if (mask.Length != size * size) throw new ArgumentException($"Expected {size * size} classes, got {mask.Length}.", nameof(mask));
            var rng = new Random(Mix(seed, index));
            mask.Clear();
            double scale = size / 48.0;
            // Larger classes first, so that small objects lie on top and keep their pixels.
            for (int c = 1; c < NumClasses; c++)
            {
                int copies = rng.NextDouble() < Appears[c] ? 1 + (rng.NextDouble() < Appears[c] / 3 ? 1 : 0) : 0;
                for (int k = 0; k < copies; k++)
                {
                    double r = Radius[c] * scale * (0.8 + 0.4 * rng.NextDouble());
                    double cx = r + rng.NextDouble() * (size - 2 * r), cy = r + rng.NextDouble() * (size - 2 * r);
                    int x0 = Math.Max(0, (int)(cx - r)), x1 = Math.Min(size - 1, (int)(cx + r) + 1);
                    int y0 = Math.Max(0, (int)(cy - r)), y1 = Math.Min(size - 1, (int)(cy + r) + 1);
                    for (int y = y0; y <= y1; y++)
                        for (int x = x0; x <= x1; x++)
                        {
                            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                            bool inside = Square[c] ? Math.Abs(dx) <= r * 0.85 && Math.Abs(dy) <= r * 0.85 : dx * dx + dy * dy <= r * r;
                            if (inside) mask[y * size + x] = c;
                        }
                }
            }
            int plane = size * size;
            double phase = rng.NextDouble() * 6.283;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int c = (int)mask[y * size + x];
                    var (cr, cg, cb) = Colours[c];
                    // Stripes: class-specific period, horizontal for even classes, diagonal for odd ones.
                    double stripe = Period[c] == 0 ? 0 : 28 * Math.Sin(6.283 * ((c % 2 == 0 ? y : x + y) / (double)Period[c]) + phase);
                    double light = 18 * Math.Sin(x * 0.11 + phase) * Math.Cos(y * 0.07);   // slow illumination change
                    pixels[y * size + x] = Clamp(cr + stripe + light + Noise(rng));
                    pixels[plane + y * size + x] = Clamp(cg + stripe + light + Noise(rng));
                    pixels[2 * plane + y * size + x] = Clamp(cb + stripe + light + Noise(rng));
                }
        }

        private static double Noise(Random rng) => 22 * (rng.NextDouble() + rng.NextDouble() - 1);

        private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);

        private static int Mix(long seed, int index)
        {
            ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(index + 1) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 30)) * 0x94D049BB133111EBUL;
            return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
        }
    }
}
