using System;
using System.Collections.Generic;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Scenes of <see cref="SyntheticScenes"/> as a segmentation set: every scene rendered once when the source is made
    /// and kept as bytes (RGB [3, S, S] and the class mask [S, S]), read as 8-bit pixels (<see cref="Pixels"/>) with
    /// their masks as dense int64 targets (<see cref="TargetShape"/> [S, S]). With an augmentation seed a scene is
    /// flipped horizontally with probability 1/2, the image and its mask alike (both derive the flip from the seed).
    /// </summary>
    /// <remarks><see cref="Labels"/> holds each scene's dominant object class (the class 1 ... 9 with the most pixels;
    /// 0 for a scene of background only): a summary that lets the class-aware samplers run, not the training target.</remarks>
    public sealed class SyntheticSegSource : ISampleSource
    {
        private readonly byte[] _pixels;
        private readonly byte[] _masks;
        private readonly long[] _labels;
        private readonly long[] _pixelCounts;
        private readonly int _size;
        private readonly long[] _shape;
        private readonly long[] _targetShape;

        /// <summary>Renders scenes <paramref name="first"/> ... <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
        /// <param name="seed">The benchmark's seed (<see cref="SyntheticScenes.Render"/>).</param>
        /// <param name="first">Index of the first scene (train and test sets use disjoint ranges).</param>
        /// <param name="count">Number of scenes, at least 1.</param>
        /// <param name="size">Side in pixels, at least 16.</param>
        /// <param name="augment">Whether a seed flips the scene (training sets).</param>
        /// <exception cref="ArgumentOutOfRangeException">A count, index or size is out of range.</exception>
        public SyntheticSegSource(long seed, int first, int count, int size, bool augment)
        {
            if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one scene is needed.");
            if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), first, "Scene indices start at 0.");
            if (size < 16) throw new ArgumentOutOfRangeException(nameof(size), size, "Scenes are at least 16 px wide.");
            _size = size;
            Augment = augment;
            int plane = size * size;
            _pixels = new byte[(long)count * 3 * plane];
            _masks = new byte[(long)count * plane];
            _labels = new long[count];
            _pixelCounts = new long[SyntheticScenes.NumClasses];
            var mask = new long[plane];
            var perScene = new long[SyntheticScenes.NumClasses];
            for (int i = 0; i < count; i++)
            {
                SyntheticScenes.Render(seed, first + i, size, _pixels.AsSpan(i * 3 * plane, 3 * plane), mask);
                Array.Clear(perScene);
                for (int p = 0; p < plane; p++)
                {
                    _masks[(long)i * plane + p] = (byte)mask[p];
                    perScene[mask[p]]++;
                }
                int dominant = 0;
                for (int c = 1; c < perScene.Length; c++)
                    if (perScene[c] > 0 && (dominant == 0 || perScene[c] > perScene[dominant])) dominant = c;
                _labels[i] = dominant;
                for (int c = 0; c < perScene.Length; c++) _pixelCounts[c] += perScene[c];
            }
            _shape = new long[] { 3, size, size };
            _targetShape = new long[] { size, size };
            // Per-channel mean and spread of the scenes' colours (rounded; the same for every run).
            Pixels = PixelNormalization.FromMeanStd(new[] { 0.45, 0.43, 0.42 }, new[] { 0.22, 0.22, 0.22 });
        }

        /// <summary>Whether an augmentation seed flips the scene.</summary>
        public bool Augment { get; }

        /// <summary>Training pixels of every class over the whole set (no augmentation: a flip does not change counts).</summary>
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

        /// <summary>Whether the sample at <paramref name="augmentationSeed"/> is flipped (the one draw both reads make).</summary>
        private bool Flip(ulong? augmentationSeed) =>
            Augment && augmentationSeed is ulong seed && new SampleRandom(seed).NextInt(2) == 1;

        /// <inheritdoc />
        public void Read(int index, Span<float> destination, ulong? augmentationSeed)
        {
            int n = 3 * _size * _size;
            if (destination.Length != n) throw new ArgumentException($"Expected {n} floats, got {destination.Length}.", nameof(destination));
            var bytes = new byte[n];
            ReadPixels(index, bytes, augmentationSeed);
            int plane = _size * _size;
            for (int c = 0; c < 3; c++) Pixels.NormalizeChannel(c, bytes.AsSpan(c * plane, plane), destination.Slice(c * plane, plane));
        }

        /// <inheritdoc />
        public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed)
        {
            CheckIndex(index);
            int plane = _size * _size;
            if (destination.Length != 3 * plane) throw new ArgumentException($"Expected {3 * plane} bytes, got {destination.Length}.", nameof(destination));
            var src = _pixels.AsSpan(index * 3 * plane, 3 * plane);
            if (!Flip(augmentationSeed))
            {
                src.CopyTo(destination);
                return;
            }
            for (int row = 0; row < 3 * _size; row++)
            {
                var s = src.Slice(row * _size, _size);
                var d = destination.Slice(row * _size, _size);
                for (int x = 0; x < _size; x++) d[x] = s[_size - 1 - x];
            }
        }

        /// <inheritdoc />
        public void ReadTarget(int index, Span<long> destination, ulong? augmentationSeed)
        {
            CheckIndex(index);
            int plane = _size * _size;
            if (destination.Length != plane) throw new ArgumentException($"Expected {plane} values, got {destination.Length}.", nameof(destination));
            var src = _masks.AsSpan(index * plane, plane);
            bool flip = Flip(augmentationSeed);
            for (int y = 0; y < _size; y++)
            {
                var s = src.Slice(y * _size, _size);
                var d = destination.Slice(y * _size, _size);
                for (int x = 0; x < _size; x++) d[x] = s[flip ? _size - 1 - x : x];
            }
        }

        private void CheckIndex(int index)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The set has {_labels.Length} scenes.");
        }
    }
}
