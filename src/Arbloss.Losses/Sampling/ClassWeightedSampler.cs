using System;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// Weighted sampling with replacement, every item of class c weighted by <c>w_c</c> (as PyTorch's
    /// <c>WeightedRandomSampler</c> with per-item weights <c>w[label]</c>): class c is drawn with probability
    /// proportional to <c>n_c * w_c</c>, then an item uniformly within it. Factories give the usual re-sampling
    /// schemes: inverse class frequency (class-balanced), effective number, square-root frequency.
    /// </summary>
    /// <remarks>
    /// Memory: two ints per item plus a few per class; O(1) per index (alias method). Deterministic given
    /// (seed, epoch); see <see cref="EpochSampler"/> for <see cref="EpochSampler.SetEpoch"/> and sharding.
    /// Classes with no items, or with weight 0, are never drawn.
    /// </remarks>
    public sealed class ClassWeightedSampler : EpochSampler
    {
        private const long Tag = 0x3E1647;

        private readonly LabelIndex _index;
        private readonly AliasTable _alias;
        private readonly double[] _probabilities;

        /// <summary>Samples items with per-class weights <paramref name="classWeights"/>.</summary>
        /// <param name="labels">Class index of each item, in [0, classWeights.Count).</param>
        /// <param name="classWeights">Weight of each item of class c (finite, non-negative); at least one class with items
        /// needs a positive weight.</param>
        /// <param name="numSamples">Indices per epoch; null for the number of items.</param>
        /// <param name="seed">Seed of the draws.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Labels are empty or outside the weights' classes; a weight is negative, NaN
        /// or infinite; or no class with items has a positive weight.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numSamples"/> is below 1.</exception>
        public ClassWeightedSampler(IReadOnlyList<long> labels, IReadOnlyList<double> classWeights, long? numSamples = null, int seed = 0)
            : this(BuildIndex(labels, classWeights), classWeights, numSamples, seed)
        {
        }

        private ClassWeightedSampler(LabelIndex index, IReadOnlyList<double> classWeights, long? numSamples, int seed) : base(seed)
        {
            if (numSamples is < 1)
                throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples, "The number of samples per epoch must be at least 1 (or null for the number of items).");
            _index = index;
            _probabilities = new double[classWeights.Count];
            var mass = new double[index.PresentClasses.Length];
            double total = 0;
            for (int c = 0; c < classWeights.Count; c++)
            {
                double w = classWeights[c];
                if (double.IsNaN(w) || double.IsInfinity(w) || w < 0)
                    throw new ArgumentException($"Class weight {c} is {w}; weights must be finite and non-negative.", nameof(classWeights));
            }
            for (int k = 0; k < mass.Length; k++)
            {
                int c = index.PresentClasses[k];
                mass[k] = index.Counts[c] * classWeights[c];
                total += mass[k];
            }
            if (!(total > 0) || double.IsInfinity(total))
                throw new ArgumentException("No class that has items has a positive weight; nothing could be sampled.", nameof(classWeights));
            for (int k = 0; k < mass.Length; k++) _probabilities[index.PresentClasses[k]] = mass[k] / total;
            _alias = new AliasTable(mass);
            EpochLength = numSamples ?? index.Length;
        }

        /// <summary>Class-balanced sampling: item weights inverse to their class frequency, so every non-empty class
        /// is drawn with equal probability.</summary>
        /// <param name="labels">Class index of each item (non-negative, dense).</param>
        /// <param name="numSamples">Indices per epoch; null for the number of items.</param>
        /// <param name="seed">Seed of the draws.</param>
        /// <returns>The sampler.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="labels"/> is empty or holds a negative label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numSamples"/> is below 1.</exception>
        public static ClassWeightedSampler InverseFrequency(IReadOnlyList<long> labels, long? numSamples = null, int seed = 0)
        {
            var index = LabelIndex.Build(labels, nameof(labels));
            return new ClassWeightedSampler(index, ClassWeights.InverseFrequency(Counts(index)), numSamples, seed);
        }

        /// <summary>Item weights by effective number (Cui et al.), <c>(1 - beta) / (1 - beta^n_c)</c>.</summary>
        /// <param name="labels">Class index of each item (non-negative, dense).</param>
        /// <param name="beta">In [0, 1); default 0.9999 as the authors. 0 gives instance-balanced sampling.</param>
        /// <param name="numSamples">Indices per epoch; null for the number of items.</param>
        /// <param name="seed">Seed of the draws.</param>
        /// <returns>The sampler.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="labels"/> is empty or holds a negative label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1) or <paramref name="numSamples"/> is below 1.</exception>
        public static ClassWeightedSampler EffectiveNumber(IReadOnlyList<long> labels, double beta = ClassWeights.DefaultBeta, long? numSamples = null, int seed = 0)
        {
            var index = LabelIndex.Build(labels, nameof(labels));
            return new ClassWeightedSampler(index, ClassWeights.EffectiveNumber(Counts(index), beta), numSamples, seed);
        }

        /// <summary>Square-root sampling (Kang et al.'s q = 1/2): class c is drawn with probability proportional to
        /// <c>sqrt(n_c)</c>.</summary>
        /// <param name="labels">Class index of each item (non-negative, dense).</param>
        /// <param name="numSamples">Indices per epoch; null for the number of items.</param>
        /// <param name="seed">Seed of the draws.</param>
        /// <returns>The sampler.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="labels"/> is empty or holds a negative label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numSamples"/> is below 1.</exception>
        public static ClassWeightedSampler SquareRootFrequency(IReadOnlyList<long> labels, long? numSamples = null, int seed = 0)
        {
            var index = LabelIndex.Build(labels, nameof(labels));
            return new ClassWeightedSampler(index, ClassWeights.SquareRootFrequency(Counts(index)), numSamples, seed);
        }

        /// <summary>Probability of drawing each class (indexed by class; 0 for classes without items or weight).</summary>
        public IReadOnlyList<double> ClassProbabilities => _probabilities;

        /// <inheritdoc />
        public override long EpochLength { get; }

        private protected override IEnumerator<long> CreateEnumerator(int epoch, long start, long count) =>
            new ClassDrawEnumerator(_index, _alias, Seed, epoch, Tag, start, count);

        private static LabelIndex BuildIndex(IReadOnlyList<long> labels, IReadOnlyList<double> classWeights)
        {
            if (classWeights is null) throw new ArgumentNullException(nameof(classWeights));
            if (classWeights.Count == 0) throw new ArgumentException("There must be one class weight per class; got none.", nameof(classWeights));
            return LabelIndex.Build(labels, nameof(labels), classWeights.Count);
        }

        private static long[] Counts(LabelIndex index)
        {
            var counts = new long[index.NumClasses];
            for (int c = 0; c < counts.Length; c++) counts[c] = index.Counts[c];
            return counts;
        }
    }
}
