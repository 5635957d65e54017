using System;
using System.Buffers;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Antialiased bilinear resampling (a triangle filter whose support widens with the down-scaling factor), the
    /// filter PIL applies for <c>Image.resize(..., BILINEAR)</c> and hence torchvision's Resize/RandomResizedCrop on
    /// PIL images. Separable: a horizontal pass over the needed source rows, then a vertical pass; like PIL, each pass
    /// rounds its result to 8 bits (floor(x + 0.5), clipped to [0, 255]), so the output holds whole numbers.
    /// </summary>
    internal static class Resampler
    {
        /// <summary>Filter taps of one axis: output sample o reads source samples [Start[o], Start[o] + Count[o]). The
        /// arrays are rented from the shared pools (they may be longer than needed); dispose the filter to return them.</summary>
        internal sealed class AxisFilter : IDisposable
        {
            public AxisFilter(int[] start, int[] count, float[] weights, int taps, int length)
            {
                Start = start;
                Count = count;
                Weights = weights;
                Taps = taps;
                Length = length;
            }

            public int[] Start { get; }
            public int[] Count { get; }
            public float[] Weights { get; }   // [output * Taps + k]
            public int Taps { get; }
            public int Length { get; }
            public int First => Start[0];
            public int End => Start[Length - 1] + Count[Length - 1];

            public void Dispose()
            {
                ArrayPool<int>.Shared.Return(Start);
                ArrayPool<int>.Shared.Return(Count);
                ArrayPool<float>.Shared.Return(Weights);
            }
        }

        /// <summary>
        /// Taps that resize the source segment [origin, origin + length) of an axis to <paramref name="outSize"/>
        /// samples, of which outputs [outOffset, outOffset + outCount) are kept. As torchvision crops before it resizes,
        /// taps never reach outside the segment (edge samples are renormalised).
        /// </summary>
        public static AxisFilter Build(int origin, int length, int outSize, int outOffset, int outCount)
        {
            if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "The source segment must hold at least one sample.");
            if (outSize < 1) throw new ArgumentOutOfRangeException(nameof(outSize), outSize, "The output size must be positive.");
            var scale = (double)length / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = filterScale;            // bilinear (triangle) support is 1, widened when down-scaling
            var taps = (int)Math.Ceiling(support) * 2 + 1;
            var start = ArrayPool<int>.Shared.Rent(outCount);
            var count = ArrayPool<int>.Shared.Rent(outCount);
            var weights = ArrayPool<float>.Shared.Rent(outCount * taps);
            var inv = 1.0 / filterScale;
            Span<double> w = stackalloc double[taps];
            for (var o = 0; o < outCount; o++)
            {
                var center = (o + outOffset + 0.5) * scale;
                var lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
                var hi = Math.Min((int)Math.Floor(center + support + 0.5), length);
                var n = Math.Min(hi - lo, taps);
                double total = 0;
                for (var k = 0; k < n; k++)
                {
                    var t = Math.Abs((lo + k - center + 0.5) * inv);
                    w[k] = t < 1.0 ? 1.0 - t : 0.0;
                    total += w[k];
                }
                if (total <= 0)
                {
                    // Degenerate (cannot happen for support >= 1, kept for safety): nearest source sample.
                    lo = Math.Clamp((int)Math.Floor(center), 0, length - 1);
                    n = 1;
                    w[0] = total = 1.0;
                }
                start[o] = origin + lo;
                count[o] = n;
                for (var k = 0; k < n; k++) weights[o * taps + k] = (float)(w[k] / total);
            }
            return new AxisFilter(start, count, weights, taps, outCount);
        }

        /// <summary>Length of the scratch buffer <see cref="Resize"/> needs.</summary>
        public static int ScratchLength(AxisFilter x, AxisFilter y) => (y.End - y.First) * x.Length * 3;

        /// <summary>
        /// Resamples RGBA bytes to RGB values in [0, 255] (whole numbers, stored as floats), interleaved (HWC), of size
        /// y.Length x x.Length.
        /// </summary>
        public static void Resize(ReadOnlySpan<byte> rgba, int width, AxisFilter x, AxisFilter y, Span<float> scratch, Span<float> destination)
        {
            var outW = x.Length;
            var rowLen = outW * 3;
            var firstRow = y.First;
            var rows = y.End - firstRow;
            var xs = x.Start;
            var xc = x.Count;
            var xw = x.Weights;
            var xt = x.Taps;
            // Horizontal pass: every needed source row -> outW RGB samples.
            for (var r = 0; r < rows; r++)
            {
                var src = rgba.Slice((firstRow + r) * width * 4, width * 4);
                var dst = scratch.Slice(r * rowLen, rowLen);
                for (var o = 0; o < outW; o++)
                {
                    float red = 0, green = 0, blue = 0;
                    var p = xs[o] * 4;
                    var wi = o * xt;
                    for (var k = 0; k < xc[o]; k++, p += 4)
                    {
                        var wk = xw[wi + k];
                        red += wk * src[p];
                        green += wk * src[p + 1];
                        blue += wk * src[p + 2];
                    }
                    dst[o * 3] = Round8(red);
                    dst[o * 3 + 1] = Round8(green);
                    dst[o * 3 + 2] = Round8(blue);
                }
            }
            // Vertical pass: weighted sums of whole rows.
            var ys = y.Start;
            var yc = y.Count;
            var yw = y.Weights;
            var yt = y.Taps;
            for (var o = 0; o < y.Length; o++)
            {
                var dst = destination.Slice(o * rowLen, rowLen);
                dst.Clear();
                for (var k = 0; k < yc[o]; k++)
                {
                    var wk = yw[o * yt + k];
                    var src = scratch.Slice((ys[o] + k - firstRow) * rowLen, rowLen);
                    for (var i = 0; i < rowLen; i++) dst[i] += wk * src[i];
                }
                for (var i = 0; i < rowLen; i++) dst[i] = Round8(dst[i]);
            }
        }

        /// <summary>PIL's rounding of a filtered value to 8 bits: floor(x + 0.5), clipped to [0, 255].</summary>
        private static float Round8(float x) => x <= 0f ? 0f : x >= 254.5f ? 255f : MathF.Floor(x + 0.5f);
    }
}
