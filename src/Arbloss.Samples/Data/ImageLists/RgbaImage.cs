using System;
using System.Buffers;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// A decoded image: 8-bit RGBA pixels, row-major, 4 bytes per pixel, no row padding. The pixel buffer is rented
    /// from <see cref="ArrayPool{T}.Shared"/>; dispose the image to return it.
    /// </summary>
    public sealed class RgbaImage : IDisposable
    {
        private byte[]? _buffer;

        /// <summary>Creates an image over a caller-filled pixel buffer of at least width * height * 4 bytes.</summary>
        /// <param name="width">Width in pixels.</param>
        /// <param name="height">Height in pixels.</param>
        /// <param name="pixels">RGBA pixels; the image takes ownership (it is returned to the shared pool on dispose when <paramref name="pooled"/>).</param>
        /// <param name="pooled">Whether <paramref name="pixels"/> was rented from <see cref="ArrayPool{T}.Shared"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
        /// <exception cref="ArgumentException"><paramref name="pixels"/> is shorter than width * height * 4.</exception>
        public RgbaImage(int width, int height, byte[] pixels, bool pooled = false)
        {
            if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
            if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "The height must be positive.");
            if (pixels is null) throw new ArgumentNullException(nameof(pixels));
            if (pixels.LongLength < (long)width * height * 4)
                throw new ArgumentException($"The pixel buffer holds {pixels.LongLength} bytes but {width}x{height} RGBA needs {(long)width * height * 4}.", nameof(pixels));
            Width = width;
            Height = height;
            _buffer = pixels;
            Pooled = pooled;
        }

        /// <summary>Width in pixels.</summary>
        public int Width { get; }

        /// <summary>Height in pixels.</summary>
        public int Height { get; }

        private bool Pooled { get; }

        /// <summary>The RGBA pixels (width * height * 4 bytes).</summary>
        /// <exception cref="ObjectDisposedException">The image was disposed.</exception>
        public ReadOnlySpan<byte> Pixels
            => (_buffer ?? throw new ObjectDisposedException(nameof(RgbaImage))).AsSpan(0, Width * Height * 4);

        /// <summary>Returns the pixel buffer to the pool (if rented); further pixel access throws.</summary>
        public void Dispose()
        {
            var buffer = _buffer;
            _buffer = null;
            if (buffer is not null && Pooled) ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
