using System;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// numpy's legacy global random stream (<c>np.random.seed</c> / <c>np.random.RandomState</c>) bit for bit, as far as
    /// the long-tailed subsets need it: the MT19937 generator, numpy's bounded integer draw and
    /// <c>np.random.shuffle</c> of a 1-D array. Use it to reproduce index choices made by Python code.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Seeding: <c>np.random.seed(s)</c> with an integer <c>s</c> in [0, 2^32 - 1] is Matsumoto and Nishimura's
    /// <c>init_genrand</c>: <c>mt[0] = s</c>, <c>mt[i] = 1812433253 * (mt[i-1] ^ (mt[i-1] &gt;&gt; 30)) + i</c>
    /// (mod 2^32). numpy seeds from an array (or a seed outside that range) through <c>init_by_array</c>, which this
    /// class does not offer.
    /// </para>
    /// <para>
    /// Bounded draws (<see cref="NextInterval"/>): numpy's <c>random_interval(max)</c>, also used by legacy
    /// <c>randint(0, max + 1)</c>, takes the smallest all-ones mask covering <c>max</c> and draws 32-bit outputs until
    /// <c>output &amp; mask &lt;= max</c>; <c>max = 0</c> returns 0 without a draw. Above 2^32 - 1 numpy draws
    /// 64-bit words (two outputs, the first one high) instead; that range is not offered here.
    /// </para>
    /// <para>
    /// Checked against numpy 1.24.2 (the test fixtures' <c>make_subset_fixtures.py</c>). An instance is not thread-safe.
    /// </para>
    /// </remarks>
    public sealed class NumpyLegacyRandom
    {
        private const int N = 624;
        private const int M = 397;
        private const uint MatrixA = 0x9908B0DFu;
        private const uint UpperMask = 0x80000000u;
        private const uint LowerMask = 0x7FFFFFFFu;

        private readonly uint[] _mt = new uint[N];
        private int _pos;

        /// <summary>Creates the stream that <c>np.random.seed(seed)</c> (or <c>np.random.RandomState(seed)</c>) starts.</summary>
        /// <param name="seed">The integer seed, as numpy accepts it: 0 .. 2^32 - 1.</param>
        public NumpyLegacyRandom(uint seed)
        {
            _mt[0] = seed;
            for (int i = 1; i < N; i++)
                _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
            _pos = N;
        }

        /// <summary>The next raw 32-bit MT19937 output (<c>genrand_int32</c>; numpy's <c>random_raw</c> of the legacy generator).</summary>
        /// <returns>A uniform value in [0, 2^32 - 1].</returns>
        public uint NextUInt32()
        {
            if (_pos >= N) Refill();
            uint y = _mt[_pos++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9D2C5680u;
            y ^= (y << 15) & 0xEFC60000u;
            y ^= y >> 18;
            return y;
        }

        /// <summary>
        /// A uniform integer in [0, <paramref name="max"/>] drawn as numpy's <c>random_interval</c> does (masked rejection
        /// on 32-bit outputs; equal to legacy <c>randint(0, max + 1)</c>). <c>max = 0</c> consumes no output.
        /// </summary>
        /// <param name="max">The largest value to return (inclusive).</param>
        /// <returns>A value in [0, max].</returns>
        public uint NextInterval(uint max)
        {
            if (max == 0) return 0;
            uint mask = max;
            mask |= mask >> 1;
            mask |= mask >> 2;
            mask |= mask >> 4;
            mask |= mask >> 8;
            mask |= mask >> 16;
            uint value;
            while ((value = NextUInt32() & mask) > max) { }
            return value;
        }

        /// <summary>
        /// Shuffles <paramref name="items"/> in place as <c>np.random.shuffle</c> shuffles a 1-D array: for
        /// i = n - 1 down to 1, swap item i with item <c>NextInterval(i)</c>. Arrays of 0 or 1 items consume no output.
        /// </summary>
        /// <typeparam name="T">The item type.</typeparam>
        /// <param name="items">The items to permute.</param>
        public void Shuffle<T>(Span<T> items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = (int)NextInterval((uint)i);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        private void Refill()
        {
            var mt = _mt;
            int k = 0;
            uint y;
            for (; k < N - M; k++)
            {
                y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
                mt[k] = mt[k + M] ^ (y >> 1) ^ ((y & 1) * MatrixA);
            }
            for (; k < N - 1; k++)
            {
                y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
                mt[k] = mt[k + (M - N)] ^ (y >> 1) ^ ((y & 1) * MatrixA);
            }
            y = (mt[N - 1] & UpperMask) | (mt[0] & LowerMask);
            mt[N - 1] = mt[M - 1] ^ (y >> 1) ^ ((y & 1) * MatrixA);
            _pos = 0;
        }
    }
}
