using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Arbloss.Losses.Sampling
{
    /// <summary>
    /// xoshiro256** (Blackman and Vigna), a small fast PRNG; streams are keyed by up to five integers mixed through
    /// SplitMix64, so a sampler can jump to any block of an epoch without generating what precedes it.
    /// A mutable struct: keep it in a field or local and call its methods in place.
    /// </summary>
    internal struct Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;

        /// <summary>A generator whose state is derived from the given keys (e.g. seed, epoch, stream tag, block).</summary>
        internal static Xoshiro256 Create(long k0, long k1 = 0, long k2 = 0, long k3 = 0, long k4 = 0)
        {
            ulong h = 0x243F6A8885A308D3UL;
            h = Mix(h ^ (ulong)k0);
            h = Mix(h ^ (ulong)k1);
            h = Mix(h ^ (ulong)k2);
            h = Mix(h ^ (ulong)k3);
            h = Mix(h ^ (ulong)k4);
            var g = new Xoshiro256();
            g._s0 = SplitMix(ref h);
            g._s1 = SplitMix(ref h);
            g._s2 = SplitMix(ref h);
            g._s3 = SplitMix(ref h);
            if ((g._s0 | g._s1 | g._s2 | g._s3) == 0) g._s0 = 1;
            return g;
        }

        private static ulong SplitMix(ref ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            return Mix(x);
        }

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>The next 64 random bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal ulong NextUInt64()
        {
            ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = BitOperations.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>A uniform integer in [0, n) for 1 &lt;= n &lt;= 2^32 - 1, exactly unbiased (Lemire's multiply-shift with rejection).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal uint NextBounded(uint n)
        {
            ulong m = (NextUInt64() >> 32) * n;
            uint low = (uint)m;
            if (low < n)
            {
                uint threshold = (0u - n) % n;
                while (low < threshold)
                {
                    m = (NextUInt64() >> 32) * n;
                    low = (uint)m;
                }
            }
            return (uint)(m >> 32);
        }

        /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>A uniform double in (0, 1], safe to take the logarithm of.</summary>
        internal double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

        /// <summary>A standard normal draw (Box-Muller; one of the pair is used).</summary>
        internal double NextNormal()
        {
            double u1 = NextDoubleNonZero();
            double u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        /// <summary>Shuffles <paramref name="span"/> in place (Fisher-Yates).</summary>
        internal void Shuffle(Span<int> span)
        {
            for (int i = span.Length - 1; i > 0; i--)
            {
                int j = (int)NextBounded((uint)(i + 1));
                (span[i], span[j]) = (span[j], span[i]);
            }
        }
    }
}
