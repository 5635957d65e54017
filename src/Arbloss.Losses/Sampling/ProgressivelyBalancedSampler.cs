using System;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// Progressively-balanced sampling (Kang et al., ICLR 2020): at epoch t of T, class j is drawn with probability
    /// <c>(1 - t/T) * n_j / N + (t/T) / K</c> (K non-empty classes), then an item uniformly within it, with
    /// replacement. Epoch 0 is instance-balanced; the mix moves linearly towards class-balanced, which it reaches at
    /// epoch T (and keeps afterwards).
    /// </summary>
    /// <remarks>
    /// Call <see cref="EpochSampler.SetEpoch"/> at every epoch: it both reshuffles and moves the schedule. Memory: two
    /// ints per item plus a few per class. Classes with no items are never drawn.
    /// </remarks>
    public sealed class ProgressivelyBalancedSampler : EpochSampler
    {
        private const long Tag = 0x9B0C;

        private readonly LabelIndex _index;

        /// <summary>Creates a progressively-balanced sampler.</summary>
        /// <param name="labels">Class index of each item (non-negative, dense).</param>
        /// <param name="totalEpochs">T, the number of training epochs, at least 1.</param>
        /// <param name="numSamples">Indices per epoch; null for the number of items.</param>
        /// <param name="seed">Seed of the draws.</param>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="labels"/> is empty or holds a negative label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalEpochs"/> or <paramref name="numSamples"/> is below 1.</exception>
        public ProgressivelyBalancedSampler(IReadOnlyList<long> labels, int totalEpochs, long? numSamples = null, int seed = 0) : base(seed)
        {
            if (totalEpochs < 1)
                throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, "The total number of epochs must be at least 1.");
            if (numSamples is < 1)
                throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples, "The number of samples per epoch must be at least 1 (or null for the number of items).");
            _index = LabelIndex.Build(labels, nameof(labels));
            TotalEpochs = totalEpochs;
            EpochLength = numSamples ?? _index.Length;
        }

        /// <summary>T, the epoch at which sampling becomes class-balanced.</summary>
        public int TotalEpochs { get; }

        /// <inheritdoc />
        public override long EpochLength { get; }

        /// <summary>The weight of class-balanced sampling at <paramref name="epoch"/>: <c>min(1, epoch / T)</c>.</summary>
        /// <param name="epoch">Epoch number, at least 0.</param>
        /// <returns>A number in [0, 1].</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
        public double Progress(int epoch)
        {
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The epoch must be non-negative.");
            return Math.Min(1.0, (double)epoch / TotalEpochs);
        }

        /// <summary>Probability of drawing each class at <paramref name="epoch"/> (indexed by class, largest label + 1 entries).</summary>
        /// <param name="epoch">Epoch number, at least 0.</param>
        /// <returns>A new array summing to 1; 0 for classes without items.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
        public double[] ClassProbabilities(int epoch)
        {
            double t = Progress(epoch);
            var p = new double[_index.NumClasses];
            int k = _index.PresentClasses.Length;
            foreach (int c in _index.PresentClasses)
                p[c] = (1 - t) * _index.Counts[c] / _index.Length + t / k;
            return p;
        }

        private protected override IEnumerator<long> CreateEnumerator(int epoch, long start, long count)
        {
            var p = ClassProbabilities(epoch);
            var mass = new double[_index.PresentClasses.Length];
            for (int k = 0; k < mass.Length; k++) mass[k] = p[_index.PresentClasses[k]];
            return new ClassDrawEnumerator(_index, new AliasTable(mass), Seed, epoch, Tag, start, count);
        }
    }
}
