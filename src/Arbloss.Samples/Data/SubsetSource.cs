using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Data
{
    /// <summary>A view of some samples of another <see cref="ISampleSource"/>, e.g. a long-tailed training subset; it has the pixel form when the full set has.</summary>
    public sealed class SubsetSource : ISampleSource
    {
        private readonly ISampleSource _inner;
        private readonly int[] _indices;
        private readonly long[] _labels;

        /// <summary>Creates the view.</summary>
        /// <param name="inner">The full set.</param>
        /// <param name="indices">Indices into <paramref name="inner"/>, in the order of the view.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An index lies outside <paramref name="inner"/>.</exception>
        public SubsetSource(ISampleSource inner, IEnumerable<long> indices)
        {
            ArgumentNullException.ThrowIfNull(inner);
            ArgumentNullException.ThrowIfNull(indices);
            _inner = inner;
            _indices = indices.Select(i => (uint)i < (uint)inner.Count
                ? (int)i
                : throw new ArgumentOutOfRangeException(nameof(indices), i, $"The full set has {inner.Count} samples.")).ToArray();
            _labels = _indices.Select(i => inner.Labels[i]).ToArray();
        }

        /// <summary>Indices of the view's samples in the full set.</summary>
        public IReadOnlyList<int> Indices => _indices;

        /// <inheritdoc />
        public int Count => _indices.Length;

        /// <inheritdoc />
        public IReadOnlyList<long> Labels => _labels;

        /// <inheritdoc />
        public IReadOnlyList<long> SampleShape => _inner.SampleShape;

        /// <inheritdoc />
        public PixelNormalization? Pixels => _inner.Pixels;

        /// <inheritdoc />
        public void Read(int index, Span<float> destination, ulong? augmentationSeed) => _inner.Read(Inner(index), destination, augmentationSeed);

        /// <inheritdoc />
        public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed) => _inner.ReadPixels(Inner(index), destination, augmentationSeed);

        private int Inner(int index) => (uint)index < (uint)_indices.Length
            ? _indices[index]
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The subset has {_indices.Length} samples.");
    }
}
