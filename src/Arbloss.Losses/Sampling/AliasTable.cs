using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Arbloss.Losses.Sampling
{
    /// <summary>Walker's alias table (Vose's construction): O(1) draws from a discrete distribution over K outcomes.</summary>
    internal sealed class AliasTable
    {
        private readonly double[] _threshold;
        private readonly int[] _alias;

        /// <summary>Builds the table from non-negative weights with a positive, finite sum.</summary>
        internal AliasTable(IReadOnlyList<double> weights)
        {
            int k = weights.Count;
            if (k == 0) throw new ArgumentException("An alias table needs at least one outcome.", nameof(weights));
            double sum = 0;
            for (int i = 0; i < k; i++) sum += weights[i];
            if (!(sum > 0) || double.IsInfinity(sum))
                throw new ArgumentException("The sampling weights must have a positive, finite sum.", nameof(weights));
            _threshold = new double[k];
            _alias = new int[k];
            var scaled = new double[k];
            var small = new Stack<int>();
            var large = new Stack<int>();
            for (int i = 0; i < k; i++)
            {
                scaled[i] = weights[i] * k / sum;
                _alias[i] = i;
                if (scaled[i] < 1) small.Push(i); else large.Push(i);
            }
            while (small.Count > 0 && large.Count > 0)
            {
                int s = small.Pop(), l = large.Pop();
                _threshold[s] = scaled[s];
                _alias[s] = l;
                scaled[l] = scaled[l] + scaled[s] - 1;
                if (scaled[l] < 1) small.Push(l); else large.Push(l);
            }
            // What remains is 1 up to rounding: keep it whole.
            while (large.Count > 0) _threshold[large.Pop()] = 1;
            while (small.Count > 0) _threshold[small.Pop()] = 1;
        }

        /// <summary>Number of outcomes.</summary>
        internal int Count => _threshold.Length;

        /// <summary>Draws one outcome in [0, K).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal int Sample(ref Xoshiro256 rng)
        {
            int column = (int)rng.NextBounded((uint)_threshold.Length);
            return rng.NextDouble() < _threshold[column] ? column : _alias[column];
        }
    }
}
