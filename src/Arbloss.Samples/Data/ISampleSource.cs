using System;
using System.Collections.Generic;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A labelled set of samples that can be read one at a time into a float buffer, already normalised (and, for
    /// training sets, augmented). <see cref="BatchLoader"/> reads many samples in parallel into one batch, so
    /// <see cref="Read"/> must be safe to call from several threads at once.
    /// </summary>
    public interface ISampleSource
    {
        /// <summary>Number of samples.</summary>
        int Count { get; }

        /// <summary>Class index of every sample, in [0, number of classes).</summary>
        IReadOnlyList<long> Labels { get; }

        /// <summary>Shape of one sample as the model reads it, e.g. [1, 28, 28] or [3, 32, 32].</summary>
        IReadOnlyList<long> SampleShape { get; }

        /// <summary>Writes sample <paramref name="index"/> into <paramref name="destination"/>.</summary>
        /// <param name="index">Sample index in [0, <see cref="Count"/>).</param>
        /// <param name="destination">Exactly as many floats as the product of <see cref="SampleShape"/>.</param>
        /// <param name="augmentation">Random source for this sample's augmentation, or null for none
        /// (evaluation). Each call gets its own instance, seeded from the run seed, epoch and position.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the set.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
        void Read(int index, Span<float> destination, Random? augmentation);
    }
}
