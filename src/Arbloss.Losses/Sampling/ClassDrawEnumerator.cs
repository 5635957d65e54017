using System.Collections;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// Draws with replacement: a class from an alias table over the non-empty classes, then an item uniformly within
    /// that class. Positions are grouped in blocks of 4096 with their own keyed generator, so any start position is
    /// reached by generating at most one block's prefix.
    /// </summary>
    internal sealed class ClassDrawEnumerator : IEnumerator<long>
    {
        private const int BlockShift = 12;
        private const int BlockSize = 1 << BlockShift;

        private readonly int[] _items;
        private readonly Slot[] _slots;
        private readonly AliasTable _alias;
        private readonly int _seed, _epoch;
        private readonly long _tag, _start, _count;
        private Xoshiro256 _rng;
        private long _block, _remaining;
        private int _blockLeft;
        private long _current;

        /// <param name="index">Items grouped by class.</param>
        /// <param name="alias">Distribution over <c>index.PresentClasses</c> (outcome k is class PresentClasses[k]).</param>
        /// <param name="seed">Sampler seed.</param>
        /// <param name="epoch">Epoch whose sequence is generated.</param>
        /// <param name="tag">Stream tag distinguishing sampler kinds.</param>
        /// <param name="start">First position.</param>
        /// <param name="count">Number of positions.</param>
        internal ClassDrawEnumerator(LabelIndex index, AliasTable alias, int seed, int epoch, long tag, long start, long count)
        {
            _items = index.Items;
            _slots = new Slot[index.PresentClasses.Length];
            for (int k = 0; k < _slots.Length; k++)
            {
                int c = index.PresentClasses[k];
                _slots[k] = new Slot(index.Offsets[c], (uint)index.Counts[c]);
            }
            _alias = alias;
            _seed = seed;
            _epoch = epoch;
            _tag = tag;
            _start = start;
            _count = count;
            Reset();
        }

        public long Current => _current;

        object IEnumerator.Current => _current;

        public void Reset()
        {
            _block = _start >> BlockShift;
            int skip = (int)(_start & (BlockSize - 1));
            _rng = Xoshiro256.Create(_seed, _epoch, _tag, _block);
            _blockLeft = BlockSize;
            for (int i = 0; i < skip; i++) Draw();
            _remaining = _count;
        }

        public bool MoveNext()
        {
            if (_remaining == 0) return false;
            _current = Draw();
            _remaining--;
            return true;
        }

        private long Draw()
        {
            if (_blockLeft == 0)
            {
                _block++;
                _rng = Xoshiro256.Create(_seed, _epoch, _tag, _block);
                _blockLeft = BlockSize;
            }
            _blockLeft--;
            ref readonly Slot slot = ref _slots[_alias.Sample(ref _rng)];
            return _items[slot.Offset + (int)_rng.NextBounded(slot.Count)];
        }

        /// <summary>Where a non-empty class's items start in the grouped item array, and how many there are.</summary>
        private readonly record struct Slot(int Offset, uint Count);

        public void Dispose()
        {
        }
    }
}
