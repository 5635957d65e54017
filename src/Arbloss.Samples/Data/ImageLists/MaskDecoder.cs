using System;
using System.IO;
using SkiaSharp;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Reads segmentation label masks: 8-bit grayscale PNGs whose pixel values are the class indices (Cityscapes'
    /// <c>*_labelTrainIds.png</c>, ADE20K's annotations; 255 usually means "ignore"). The values come out exactly as
    /// stored. Palette (indexed-colour) and 16-bit PNGs are refused with a message saying how to convert them, because
    /// decoding would turn indices into colours. Thread-safe.
    /// </summary>
    public static class MaskDecoder
    {
        /// <summary>Decodes the mask file at <paramref name="path"/>.</summary>
        /// <param name="path">A grayscale 8-bit PNG.</param>
        /// <returns>Width, height and one byte per pixel (row-major).</returns>
        /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not an 8-bit grayscale PNG, or is truncated.</exception>
        public static (int Width, int Height, byte[] Classes) Decode(string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("The mask path must not be empty.", nameof(path));
            if (!File.Exists(path)) throw new FileNotFoundException($"Mask '{path}' does not exist.", path);
            var header = new byte[26];
            using (var stream = File.OpenRead(path))
            {
                if (stream.Read(header, 0, header.Length) < header.Length)
                    throw new InvalidDataException($"Mask '{path}' is too short to be a PNG.");
            }
            // PNG signature, then the IHDR chunk: width, height, bit depth (byte 24), colour type (byte 25).
            if (header[0] != 0x89 || header[1] != (byte)'P' || header[2] != (byte)'N' || header[3] != (byte)'G'
                || header[12] != (byte)'I' || header[13] != (byte)'H' || header[14] != (byte)'D' || header[15] != (byte)'R')
                throw new InvalidDataException($"Mask '{path}' is not a PNG; label masks must be 8-bit grayscale PNGs.");
            byte depth = header[24], colourType = header[25];
            if (colourType == 3)
                throw new InvalidDataException($"Mask '{path}' is a palette PNG: its pixels are colour indices that decoding would turn into colours; save the indices as an 8-bit grayscale PNG (e.g. numpy: Image.fromarray(np.array(Image.open(path)))).");
            if (colourType != 0 || depth != 8)
                throw new InvalidDataException($"Mask '{path}' is a PNG of colour type {colourType}, bit depth {depth}; label masks must be 8-bit grayscale (colour type 0).");
            using var codec = SKCodec.Create(path, out var createResult)
                ?? throw new InvalidDataException($"Mask '{path}' cannot be read ({createResult}).");
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque);
            var classes = new byte[info.Width * info.Height];
            var result = codec.GetPixels(info, classes);
            if (result != SKCodecResult.Success)
                throw new InvalidDataException($"Mask '{path}' could not be decoded ({result}); the file is truncated or corrupt.");
            return (info.Width, info.Height, classes);
        }
    }
}
