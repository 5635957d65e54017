using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Arbloss.Losses.Sampling
{
    /// <summary>Walker's alias table (Vose's construction): O(1) draws from a discrete distribution over K outcomes.</summary>
    internal sealed class AliasTable
    {
        private readonly Entry[] _entries;

        /// <summary>Builds the table from non-negative weights with a positive, finite sum.</summary>
        internal AliasTable(IReadOnlyList<double> weights)
        {
            int k = weights.Count;
            if (k == 0) throw new ArgumentException("An alias table needs at least one outcome.", nameof(weights));
            double sum = 0;
            for (int i = 0; i < k; i++) sum += weights[i];
            if (!(sum > 0) || double.IsInfinity(sum))
                throw new ArgumentException("The sampling weights must have a positive, finite sum.", nameof(weights));
            var threshold = new double[k];
            var alias = new int[k];
            var scaled = new double[k];
            var small = new Stack<int>();
            var large = new Stack<int>();
            for (int i = 0; i < k; i++)
            {
                scaled[i] = weights[i] * k / sum;
                alias[i] = i;
                if (scaled[i] < 1) small.Push(i); else large.Push(i);
            }
            while (small.Count > 0 && large.Count > 0)
            {
                int s = small.Pop(), l = large.Pop();
                threshold[s] = scaled[s];
                alias[s] = l;
                scaled[l] = scaled[l] + scaled[s] - 1;
                if (scaled[l] < 1) small.Push(l); else large.Push(l);
            }
            // What remains is 1 up to rounding: keep it whole.
            while (large.Count > 0) threshold[large.Pop()] = 1;
            while (small.Count > 0) threshold[small.Pop()] = 1;
            _entries = new Entry[k];
            for (int i = 0; i < k; i++) _entries[i] = new Entry(threshold[i], alias[i]);
        }

        /// <summary>Number of outcomes.</summary>
        internal int Count => _entries.Length;

        /// <summary>Draws one outcome in [0, K).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal int Sample(ref Xoshiro256 rng)
        {
            int column = (int)rng.NextBounded((uint)_entries.Length);
            ref readonly Entry e = ref _entries[column];
            return rng.NextDouble() < e.Threshold ? column : e.Alias;
        }

        /// <summary>One column: keep it with probability Threshold, else take Alias (one cache line for both).</summary>
        private readonly record struct Entry(double Threshold, int Alias);
    }
}
