using System;
using System.Collections.Generic;

namespace Arbloss.Samples.Data
{
    /// <summary>Feature vectors held in memory ([N, D] floats) with their labels; read as they are (no augmentation, no pixel form: batches stay float32).</summary>
    public sealed class DenseVectorSource : ISampleSource
    {
        private readonly float[] _values;
        private readonly long[] _labels;
        private readonly int _dim;
        private readonly long[] _shape;

        /// <summary>Wraps the vectors.</summary>
        /// <param name="values">N x D floats, row-major.</param>
        /// <param name="labels">N labels.</param>
        /// <param name="dim">D.</param>
        /// <exception cref="ArgumentNullException">An array is null.</exception>
        /// <exception cref="ArgumentException">The sizes disagree.</exception>
        public DenseVectorSource(float[] values, long[] labels, int dim)
        {
            ArgumentNullException.ThrowIfNull(values);
            ArgumentNullException.ThrowIfNull(labels);
            if (dim < 1 || (long)labels.Length * dim != values.Length)
                throw new ArgumentException($"{values.Length} values do not hold {labels.Length} vectors of {dim}.", nameof(values));
            _values = values;
            _labels = labels;
            _dim = dim;
            _shape = new long[] { dim };
        }

        /// <inheritdoc />
        public int Count => _labels.Length;

        /// <inheritdoc />
        public IReadOnlyList<long> Labels => _labels;

        /// <inheritdoc />
        public IReadOnlyList<long> SampleShape => _shape;

        /// <inheritdoc />
        public void Read(int index, Span<float> destination, ulong? augmentationSeed)
        {
            if ((uint)index >= (uint)_labels.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The set has {_labels.Length} vectors.");
            if (destination.Length != _dim) throw new ArgumentException($"Expected {_dim} floats, got {destination.Length}.", nameof(destination));
            _values.AsSpan(index * _dim, _dim).CopyTo(destination);
        }
    }
}
