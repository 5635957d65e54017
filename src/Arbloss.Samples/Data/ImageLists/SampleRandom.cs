using System;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// Small, fast, seedable random generator (xoshiro256** seeded through SplitMix64). Used so that every sample's
    /// augmentation depends only on (seed, epoch, position), never on thread scheduling or on the .NET version.
    /// </summary>
    internal struct SampleRandom
    {
        private ulong _s0, _s1, _s2, _s3;

        /// <summary>Creates a generator from a 64-bit seed.</summary>
        public SampleRandom(ulong seed)
        {
            var x = seed;
            _s0 = SplitMix(ref x);
            _s1 = SplitMix(ref x);
            _s2 = SplitMix(ref x);
            _s3 = SplitMix(ref x);
        }

        /// <summary>Combines values into one well-mixed 64-bit seed (order matters).</summary>
        public static ulong Mix(ulong a, ulong b, ulong c = 0, ulong d = 0)
        {
            var x = a;
            var h = SplitMix(ref x);
            x = h ^ b;
            h = SplitMix(ref x);
            x = h ^ c;
            h = SplitMix(ref x);
            x = h ^ d;
            return SplitMix(ref x);
        }

        private static ulong SplitMix(ref ulong x)
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Next 64 random bits.</summary>
        public ulong NextULong()
        {
            var result = RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotateLeft(_s3, 45);
            return result;
        }

        private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

        /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform double in [low, high).</summary>
        public double Uniform(double low, double high) => low + (high - low) * NextDouble();

        /// <summary>Uniform integer in [0, maxExclusive); unbiased (rejection sampling).</summary>
        public int NextInt(int maxExclusive)
        {
            if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
            var bound = (ulong)maxExclusive;
            var limit = ulong.MaxValue - ulong.MaxValue % bound;
            ulong r;
            do { r = NextULong(); } while (r >= limit);
            return (int)(r % bound);
        }

        /// <summary>Shuffles <paramref name="values"/> in place (Fisher-Yates).</summary>
        public void Shuffle<T>(Span<T> values)
        {
            for (var i = values.Length - 1; i > 0; i--)
            {
                var j = NextInt(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }
    }
}
