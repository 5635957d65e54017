using System;
using System.Buffers;
using System.IO;
using SkiaSharp;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Decodes JPEG (and any other format SkiaSharp reads: PNG, WebP, BMP, GIF) into 8-bit RGBA. Like PIL, which the
    /// authors' loader uses, it ignores EXIF orientation and embedded colour profiles; grayscale and CMYK JPEGs come out as RGB.
    /// Thread-safe.
    /// </summary>
    public static class ImageDecoder
    {
        /// <summary>Decodes the image file at <paramref name="path"/>.</summary>
        /// <param name="path">Image file.</param>
        /// <returns>The decoded image; dispose it to return its buffer to the pool.</returns>
        /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file cannot be read or is not a complete image in a supported format.</exception>
        public static RgbaImage Decode(string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("The image path must not be empty.", nameof(path));
            if (!File.Exists(path)) throw new FileNotFoundException($"Image '{path}' does not exist.", path);
            using var codec = SKCodec.Create(path, out var createResult);
            if (codec is null)
                throw new InvalidDataException($"Image '{path}' cannot be read or is not in a supported format ({createResult}).");
            return DecodeWith(codec, path);
        }

        /// <summary>Decodes an image held in memory (e.g. a file read in advance).</summary>
        /// <param name="encoded">The encoded bytes.</param>
        /// <param name="name">Name used in error messages.</param>
        /// <returns>The decoded image; dispose it to return its buffer to the pool.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="encoded"/> is null.</exception>
        /// <exception cref="InvalidDataException">The bytes are not a complete image in a supported format.</exception>
        public static RgbaImage Decode(byte[] encoded, string name = "image")
        {
            if (encoded is null) throw new ArgumentNullException(nameof(encoded));
            using var data = SKData.CreateCopy(encoded);
            using var codec = SKCodec.Create(data);
            if (codec is null)
                throw new InvalidDataException($"{name} is not an image in a supported format.");
            return DecodeWith(codec, name);
        }

        private static RgbaImage DecodeWith(SKCodec codec, string name)
        {
            var size = codec.Info;
            if (size.Width <= 0 || size.Height <= 0)
                throw new InvalidDataException($"Image '{name}' has no pixels ({size.Width}x{size.Height}).");
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var buffer = ArrayPool<byte>.Shared.Rent(info.BytesSize);
            try
            {
                var result = codec.GetPixels(info, buffer);
                if (result != SKCodecResult.Success)
                    throw new InvalidDataException($"Image '{name}' could not be decoded ({result}); the file is truncated or corrupt.");
                return new RgbaImage(size.Width, size.Height, buffer, pooled: true);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
    }
}
