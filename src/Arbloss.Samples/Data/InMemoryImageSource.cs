using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Images held in memory as bytes in channel-major order ([N, C, H, W], values 0..255) with their labels.
    /// <see cref="ReadPixels"/> gives the bytes (augmented when given a seed); <see cref="Read"/> normalises them per
    /// channel as <c>(x / 255 - mean) / std</c> (<see cref="Pixels"/>).
    /// </summary>
    public sealed class InMemoryImageSource : ISampleSource
    {
        private readonly byte[] _pixels;
        private readonly long[] _labels;
        private readonly int _channels, _height, _width, _imageSize;
        private readonly long[] _shape;

        /// <summary>Wraps image bytes and labels.</summary>
        /// <param name="pixels">N x C x H x W bytes, channel-major per image.</param>
        /// <param name="labels">N labels.</param>
        /// <param name="channels">C.</param>
        /// <param name="height">H.</param>
        /// <param name="width">W.</param>
        /// <param name="mean">Per-channel mean of <c>x / 255</c>, length C.</param>
        /// <param name="std">Per-channel standard deviation of <c>x / 255</c>, length C, positive.</param>
        /// <param name="augmentation">What <see cref="Read"/> and <see cref="ReadPixels"/> do when given an augmentation seed.</param>
        /// <exception cref="ArgumentNullException">An array is null.</exception>
        /// <exception cref="ArgumentException">Sizes disagree, or a standard deviation is not positive.</exception>
        public InMemoryImageSource(byte[] pixels, long[] labels, int channels, int height, int width,
            IReadOnlyList<double> mean, IReadOnlyList<double> std, ImageAugmentation augmentation)
        {
            ArgumentNullException.ThrowIfNull(pixels);
            ArgumentNullException.ThrowIfNull(labels);
            ArgumentNullException.ThrowIfNull(mean);
            ArgumentNullException.ThrowIfNull(std);
            if (channels < 1 || height < 1 || width < 1) throw new ArgumentException("Image dimensions must be positive.", nameof(channels));
            _imageSize = channels * height * width;
            if ((long)labels.Length * _imageSize != pixels.Length)
                throw new ArgumentException($"{pixels.Length} bytes do not hold {labels.Length} images of {channels}x{height}x{width}.", nameof(pixels));
            if (mean.Count != channels || std.Count != channels)
                throw new ArgumentException($"mean and std need {channels} values each.", nameof(mean));
            if (std.Any(s => !(s > 0))) throw new ArgumentException("Every standard deviation must be positive.", nameof(std));
            _pixels = pixels;
            _labels = labels;
            _channels = channels;
            _height = height;
            _width = width;
            Pixels = PixelNormalization.FromMeanStd(mean, std);
            _shape = new long[] { channels, height, width };
            Augmentation = augmentation;
        }

        /// <summary>The augmentation applied when <see cref="Read"/> or <see cref="ReadPixels"/> gets a seed.</summary>
        public ImageAugmentation Augmentation { get; }

        /// <inheritdoc />
        public int Count => _labels.Length;

        /// <inheritdoc />
        public IReadOnlyList<long> Labels => _labels;

        /// <inheritdoc />
        public IReadOnlyList<long> SampleShape => _shape;

        /// <summary>The raw bytes of image <paramref name="index"/> (C x H x W), for tests and inspection.</summary>
        /// <param name="index">Image index.</param>
        /// <returns>A read-only view of the bytes.</returns>
        public ReadOnlySpan<byte> RawImage(int index) => _pixels.AsSpan(index * _imageSize, _imageSize);

        /// <inheritdoc />
        public PixelNormalization Pixels { get; }

        /// <inheritdoc />
        public void Read(int index, Span<float> destination, ulong? augmentationSeed)
        {
            if (destination.Length != _imageSize) throw new ArgumentException($"Expected {_imageSize} floats, got {destination.Length}.", nameof(destination));
            var pixels = ArrayPool<byte>.Shared.Rent(_imageSize);
            try
            {
                var span = pixels.AsSpan(0, _imageSize);
                ReadPixels(index, span, augmentationSeed);
                int plane = _height * _width;
                for (int c = 0; c < _channels; c++)
                    Pixels.NormalizeChannel(c, span.Slice(c * plane, plane), destination.Slice(c * plane, plane));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(pixels);
            }
        }

        /// <inheritdoc />
        public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The set has {_labels.Length} images.");
            if (destination.Length != _imageSize) throw new ArgumentException($"Expected {_imageSize} bytes, got {destination.Length}.", nameof(destination));
            var src = _pixels.AsSpan(index * _imageSize, _imageSize);
            if (augmentationSeed is not ulong seed || Augmentation == ImageAugmentation.None)
            {
                src.CopyTo(destination);
                return;
            }

            // Pad by 4 with zeros, crop at (dy, dx) in [-4, 4], flip horizontally with probability 1/2.
            const int pad = 4;
            var rng = new SampleRandom(seed);
            int dy = rng.NextInt(2 * pad + 1) - pad, dx = rng.NextInt(2 * pad + 1) - pad;
            bool flip = rng.NextInt(2) == 1;
            int plane = _height * _width;
            for (int c = 0; c < _channels; c++)
            {
                var s = src.Slice(c * plane, plane);
                var d = destination.Slice(c * plane, plane);
                for (int y = 0; y < _height; y++)
                {
                    int sy = y + dy;
                    var row = d.Slice(y * _width, _width);
                    if ((uint)sy >= (uint)_height)
                    {
                        row.Clear();
                        continue;
                    }
                    var srcRow = s.Slice(sy * _width, _width);
                    for (int x = 0; x < _width; x++)
                    {
                        int sx = (flip ? _width - 1 - x : x) + dx;
                        row[x] = (uint)sx < (uint)_width ? srcRow[sx] : (byte)0;
                    }
                }
            }
        }
    }
}
