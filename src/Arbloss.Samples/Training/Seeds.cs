namespace Arbloss.Samples.Training
{
    /// <summary>Derives independent, reproducible seeds for each epoch and purpose from a run's seed, so that an
    /// epoch's data order, augmentation and mixup depend only on (seed, epoch): a resumed run repeats them exactly.</summary>
    public static class Seeds
    {
        /// <summary>What a derived seed is used for.</summary>
        public enum Purpose
        {
            /// <summary>Order of the training samples.</summary>
            Order = 1,

            /// <summary>Per-sample augmentation.</summary>
            Augmentation = 2,

            /// <summary>Mixup's Beta draws and permutations.</summary>
            Mixup = 3,

            /// <summary>TorchSharp's global generator (anything else random in the model).</summary>
            Torch = 4,
        }

        /// <summary>A 31-bit seed for (run seed, epoch, purpose).</summary>
        /// <param name="seed">The run's seed.</param>
        /// <param name="epoch">Epoch, from 0.</param>
        /// <param name="purpose">What the seed is for.</param>
        /// <returns>A non-negative int.</returns>
        public static int Derive(long seed, int epoch, Purpose purpose) => (int)(Mix(seed, epoch, purpose) & 0x7FFFFFFF);

        /// <summary>A 64-bit seed for (run seed, epoch, purpose).</summary>
        /// <param name="seed">The run's seed.</param>
        /// <param name="epoch">Epoch, from 0.</param>
        /// <param name="purpose">What the seed is for.</param>
        /// <returns>A 64-bit value.</returns>
        public static ulong Mix(long seed, int epoch, Purpose purpose)
        {
            ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xD1B54A32D192ED03UL + (ulong)purpose * 0x94D049BB133111EBUL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
