using System;
using System.Collections.Generic;
using System.IO;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A segmentation set in the usual real layout (<see cref="SegmentationPairList"/>: a list file of
    /// <c>IMAGE MASK</c> pairs, the images decoded by <see cref="ImageDecoder"/>, the masks 8-bit grayscale PNGs read by
    /// <see cref="MaskDecoder"/>). Every pair is brought to a fixed square of <see cref="Size"/> px: the shorter side scaled
    /// to the size and the centre square kept, the image resampled bilinearly and the mask with the nearest pixel (so
    /// class indices stay classes). Mask value <see cref="IgnoreIndex"/> (255) marks pixels that give no loss and no
    /// count; any other value must be a class in [0, C). With an augmentation seed (training sets) the pair is flipped
    /// horizontally with probability 1/2, image and mask alike. Files are read on every access (nothing is cached
    /// beyond the per-class counts); reads are thread-safe.
    /// </summary>
    /// <remarks>Making the source reads every mask once, to check its values and to count the training pixels of every
    /// class (the counts of a global-count loss). <see cref="Labels"/> holds each image's dominant class (the class
    /// with most pixels), for the class-aware samplers.</remarks>
    public sealed class SegmentationListSource : ISampleSource
    {
        /// <summary>Mask value of pixels without a class (Cityscapes' and ADE20K's convention).</summary>
        public const long IgnoreIndex = 255;

        private readonly SegmentationPairList _list;
        private readonly int _numClasses;
        private readonly long[] _labels;
        private readonly long[] _pixelCounts;
        private readonly long[] _shape;
        private readonly long[] _targetShape;

        /// <summary>Opens a list and checks every mask.</summary>
        /// <param name="list">The image / mask pairs.</param>
        /// <param name="numClasses">Number of classes C (mask values in [0, C) or 255).</param>
        /// <param name="size">Side of the square the pairs are brought to, at least 8.</param>
        /// <param name="augment">Whether an augmentation seed flips the pair (training sets).</param>
        /// <param name="normalization">The pixel normalisation; null for ImageNet's mean and standard deviation.</param>
        /// <exception cref="ArgumentNullException"><paramref name="list"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is not in [2, 255] or
        /// <paramref name="size"/> is below 8.</exception>
        /// <exception cref="ImageListException">A mask cannot be read or holds a value that is neither a class nor 255; the
        /// message names the list file, the line and the value.</exception>
        public SegmentationListSource(SegmentationPairList list, int numClasses, int size, bool augment, PixelNormalization? normalization = null)
        {
            _list = list ?? throw new ArgumentNullException(nameof(list));
            if (numClasses < 2 || numClasses > 255) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "Masks are 8-bit with 255 = ignore: between 2 and 255 classes.");
            if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "The size must be at least 8 px.");
            _numClasses = numClasses;
            Size = size;
            Augment = augment;
            Pixels = normalization ?? PixelNormalization.FromMeanStd(new[] { 0.485, 0.456, 0.406 }, new[] { 0.229, 0.224, 0.225 });
            _shape = new long[] { 3, size, size };
            _targetShape = new long[] { size, size };
            _labels = new long[list.Count];
            _pixelCounts = new long[numClasses];
            var mask = new long[size * size];
            var perImage = new long[numClasses];
            for (int i = 0; i < list.Count; i++)
            {
                ReadMask(i, mask, flip: false);
                Array.Clear(perImage);
                foreach (var v in mask)
                    if (v != IgnoreIndex) perImage[v]++;
                int dominant = 0;
                for (int c = 1; c < numClasses; c++)
                    if (perImage[c] > perImage[dominant]) dominant = c;
                _labels[i] = dominant;
                for (int c = 0; c < numClasses; c++) _pixelCounts[c] += perImage[c];
            }
        }

        /// <summary>Side of the square samples, in pixels.</summary>
        public int Size { get; }

        /// <summary>Whether an augmentation seed flips the pair.</summary>
        public bool Augment { get; }

        /// <summary>Pixels of every class over the set at <see cref="Size"/> (ignored pixels not counted).</summary>
        public IReadOnlyList<long> PixelCounts => _pixelCounts;

        /// <inheritdoc />
        public int Count => _labels.Length;

        /// <inheritdoc />
        public IReadOnlyList<long> Labels => _labels;

        /// <inheritdoc />
        public IReadOnlyList<long> SampleShape => _shape;

        /// <inheritdoc />
        public IReadOnlyList<long> TargetShape => _targetShape;

        /// <inheritdoc />
        public PixelNormalization Pixels { get; }

        private bool Flip(ulong? augmentationSeed) =>
            Augment && augmentationSeed is ulong seed && new SampleRandom(seed).NextInt(2) == 1;

        /// <summary>Where output coordinate <paramref name="o"/> falls in the source: the shorter side scaled to
        /// <see cref="Size"/>, the centre square kept; in source pixel units (pixel centres at +0.5).</summary>
        private static double SourceCoordinate(int o, int width, int height, int length, int size)
        {
            double scale = (double)size / Math.Min(width, height);
            double offset = (length * scale - size) / 2;
            return (o + 0.5 + offset) / scale;
        }

        /// <inheritdoc />
        public void Read(int index, Span<float> destination, ulong? augmentationSeed)
        {
            int plane = Size * Size;
            if (destination.Length != 3 * plane) throw new ArgumentException($"Expected {3 * plane} floats, got {destination.Length}.", nameof(destination));
            var bytes = new byte[3 * plane];
            ReadPixels(index, bytes, augmentationSeed);
            for (int c = 0; c < 3; c++) Pixels.NormalizeChannel(c, bytes.AsSpan(c * plane, plane), destination.Slice(c * plane, plane));
        }

        /// <inheritdoc />
        /// <exception cref="ImageListException">The image cannot be decoded; the message names the list file and line.</exception>
        public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed)
        {
            CheckIndex(index);
            int plane = Size * Size;
            if (destination.Length != 3 * plane) throw new ArgumentException($"Expected {3 * plane} bytes, got {destination.Length}.", nameof(destination));
            RgbaImage image;
            try
            {
                image = ImageDecoder.Decode(_list.ImagePath(index));
            }
            catch (Exception e) when (e is IOException or InvalidDataException && e is not ImageListException)
            {
                throw new ImageListException(_list.ListPath, _list.Pairs[index].Line, $"the image '{_list.Pairs[index].Image}' cannot be read: {e.Message}", e);
            }
            using (image)
            {
                bool flip = Flip(augmentationSeed);
                int w = image.Width, h = image.Height;
                var rgba = image.Pixels;
                for (int y = 0; y < Size; y++)
                {
                    double sy = SourceCoordinate(y, w, h, h, Size) - 0.5;
                    int y0 = Math.Clamp((int)Math.Floor(sy), 0, h - 1), y1 = Math.Min(y0 + 1, h - 1);
                    double fy = Math.Clamp(sy - y0, 0, 1);
                    for (int x = 0; x < Size; x++)
                    {
                        double sx = SourceCoordinate(flip ? Size - 1 - x : x, w, h, w, Size) - 0.5;
                        int x0 = Math.Clamp((int)Math.Floor(sx), 0, w - 1), x1 = Math.Min(x0 + 1, w - 1);
                        double fx = Math.Clamp(sx - x0, 0, 1);
                        for (int c = 0; c < 3; c++)
                        {
                            double top = rgba[(y0 * w + x0) * 4 + c] * (1 - fx) + rgba[(y0 * w + x1) * 4 + c] * fx;
                            double bottom = rgba[(y1 * w + x0) * 4 + c] * (1 - fx) + rgba[(y1 * w + x1) * 4 + c] * fx;
                            destination[c * plane + y * Size + x] = (byte)Math.Clamp(Math.Round(top * (1 - fy) + bottom * fy), 0, 255);
                        }
                    }
                }
            }
        }

        /// <inheritdoc />
        /// <exception cref="ImageListException">The mask cannot be read or holds a value that is neither a class nor 255.</exception>
        public void ReadTarget(int index, Span<long> destination, ulong? augmentationSeed)
        {
            CheckIndex(index);
            if (destination.Length != Size * Size) throw new ArgumentException($"Expected {Size * Size} values, got {destination.Length}.", nameof(destination));
            ReadMask(index, destination, Flip(augmentationSeed));
        }

        private void ReadMask(int index, Span<long> destination, bool flip)
        {
            var (line, relative) = (_list.Pairs[index].Line, _list.Pairs[index].Mask);
            int w, h;
            byte[] classes;
            try
            {
                (w, h, classes) = MaskDecoder.Decode(_list.MaskPath(index));
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                throw new ImageListException(_list.ListPath, line, $"the mask '{relative}' cannot be read: {e.Message}", e);
            }
            for (int i = 0; i < classes.Length; i++)
            {
                byte v = classes[i];
                if (v != IgnoreIndex && v >= _numClasses)
                    throw new ImageListException(_list.ListPath, line, $"the mask '{relative}' holds value {v} at ({i % w}, {i / w}), which is neither a class in [0, {_numClasses}) nor 255 (ignore); check num_classes or convert the mask to train ids");
            }
            for (int y = 0; y < Size; y++)
            {
                int sy = Math.Clamp((int)Math.Floor(SourceCoordinate(y, w, h, h, Size)), 0, h - 1);
                for (int x = 0; x < Size; x++)
                {
                    int sx = Math.Clamp((int)Math.Floor(SourceCoordinate(flip ? Size - 1 - x : x, w, h, w, Size)), 0, w - 1);
                    destination[y * Size + x] = classes[sy * w + sx];
                }
            }
        }

        private void CheckIndex(int index)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The set has {_labels.Length} pairs.");
        }
    }
}
