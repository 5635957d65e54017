using System;
using System.Collections;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// Class-aware sampling as the authors use it (Shen et al.; the OLTR / decoupling <c>ClassAwareSampler</c>):
    /// cycle through the classes in shuffled order and, at each visit, take <see cref="SamplesPerClassVisit"/>
    /// consecutive items from the visited class's own shuffled cycle. Every class is drawn equally often.
    /// </summary>
    /// <remarks>
    /// <para>Both cycles reshuffle when they wrap around, so within a class every item is used once before any is
    /// used twice. Epoch length = largest class size x number of classes (classes with no items are skipped and
    /// not counted), as in the authors' code.</para>
    /// <para>Memory: two ints per item plus a few per class. Deterministic given (seed, epoch); see
    /// <see cref="EpochSampler"/> for <see cref="EpochSampler.SetEpoch"/> and sharding.</para>
    /// </remarks>
    public sealed class ClassAwareSampler : EpochSampler
    {
        private const long ClassCycleTag = 0x0C1A55;
        private const long ItemCycleTag = 0x17E3;

        private readonly LabelIndex _index;

        /// <summary>Creates a class-aware sampler over the items with the given labels.</summary>
        /// <param name="labels">Class index of each item (non-negative, dense: below 2^26). Classes with no items are skipped.</param>
        /// <param name="samplesPerClassVisit">Consecutive items taken per class visit, at least 1 (the authors use 4).</param>
        /// <param name="seed">Seed of the shuffles.</param>
        /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="labels"/> is empty or holds a negative or too large label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="samplesPerClassVisit"/> is below 1.</exception>
        public ClassAwareSampler(IReadOnlyList<long> labels, int samplesPerClassVisit = 4, int seed = 0) : base(seed)
        {
            if (samplesPerClassVisit < 1)
                throw new ArgumentOutOfRangeException(nameof(samplesPerClassVisit), samplesPerClassVisit, "At least one item must be taken per class visit.");
            _index = LabelIndex.Build(labels, nameof(labels));
            SamplesPerClassVisit = samplesPerClassVisit;
        }

        /// <summary>Consecutive items taken from a class at each visit.</summary>
        public int SamplesPerClassVisit { get; }

        /// <summary>Number of classes with at least one item (the classes that are visited).</summary>
        public int NonEmptyClasses => _index.PresentClasses.Length;

        /// <summary>Size of the largest class.</summary>
        public int LargestClassSize => _index.MaxCount;

        /// <summary>Largest class size x number of non-empty classes.</summary>
        public override long EpochLength => (long)_index.MaxCount * _index.PresentClasses.Length;

        private protected override IEnumerator<long> CreateEnumerator(int epoch, long start, long count) =>
            new Enumerator(this, epoch, start, count);

        /// <summary>
        /// Random access to the epoch's sequence: position p belongs to visit v = p / spv, class cycle m = v / K, slot
        /// v mod K of cycle m's class permutation. Each class is visited once per cycle, so before cycle m it has
        /// given m * spv items, and the item sits at offset m * spv + p mod spv of the class's own stream of shuffles.
        /// </summary>
        private sealed class Enumerator : IEnumerator<long>
        {
            private readonly LabelIndex _index;
            private readonly int[] _present;
            private readonly int _seed, _epoch, _spv;
            private readonly long _start, _count;
            private readonly int[] _classPerm;
            private readonly int[] _working;
            private readonly long[] _shuffleOf;
            private long _remaining, _cycle;
            private int _slot, _within;
            private int _class, _classSize, _classOffset;
            private long _streamBase;
            private bool _visitReady;
            private long _current;

            internal Enumerator(ClassAwareSampler owner, int epoch, long start, long count)
            {
                _index = owner._index;
                _present = _index.PresentClasses;
                _seed = owner.Seed;
                _epoch = epoch;
                _spv = owner.SamplesPerClassVisit;
                _start = start;
                _count = count;
                _classPerm = new int[_present.Length];
                _working = new int[_index.Length];
                _shuffleOf = new long[_present.Length];
                Reset();
            }

            public long Current => _current;

            object IEnumerator.Current => _current;

            public void Reset()
            {
                Array.Fill(_shuffleOf, -1L);
                long visit = _start / _spv;
                _within = (int)(_start % _spv);
                _cycle = visit / _present.Length;
                _slot = (int)(visit % _present.Length);
                ShuffleClasses(_cycle);
                _visitReady = false;
                _remaining = _count;
            }

            public bool MoveNext()
            {
                if (_remaining == 0) return false;
                if (_within == _spv)
                {
                    _within = 0;
                    if (++_slot == _present.Length)
                    {
                        _slot = 0;
                        ShuffleClasses(++_cycle);
                    }
                    _visitReady = false;
                }
                if (!_visitReady)
                {
                    _class = _classPerm[_slot];
                    _classSize = _index.Counts[_present[_class]];
                    _classOffset = _index.Offsets[_present[_class]];
                    _streamBase = _cycle * _spv;
                    _visitReady = true;
                }
                long position = _streamBase + _within;
                long shuffle = position / _classSize;
                int r = (int)(position - shuffle * _classSize);
                if (_shuffleOf[_class] != shuffle) ShuffleItems(_class, shuffle);
                _current = _working[_classOffset + r];
                _within++;
                _remaining--;
                return true;
            }

            private void ShuffleClasses(long cycle)
            {
                for (int i = 0; i < _classPerm.Length; i++) _classPerm[i] = i;
                var rng = Xoshiro256.Create(_seed, _epoch, ClassCycleTag, cycle);
                rng.Shuffle(_classPerm);
            }

            private void ShuffleItems(int slot, long shuffle)
            {
                int c = _present[slot];
                var segment = _working.AsSpan(_index.Offsets[c], _index.Counts[c]);
                _index.Items.AsSpan(_index.Offsets[c], _index.Counts[c]).CopyTo(segment);
                var rng = Xoshiro256.Create(_seed, _epoch, ItemCycleTag, c, shuffle);
                rng.Shuffle(segment);
                _shuffleOf[slot] = shuffle;
            }

            public void Dispose()
            {
            }
        }
    }
}
