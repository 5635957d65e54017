using System;
using System.Collections.Generic;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A labelled set of samples that can be read one at a time, already normalised (and, for training sets,
    /// augmented). <see cref="BatchLoader"/> reads many samples in parallel into one batch, so <see cref="Read"/> and
    /// <see cref="ReadPixels"/> must be safe to call from several threads at once.
    /// </summary>
    /// <remarks>
    /// Image sources also offer their samples as 8-bit pixels (<see cref="Pixels"/> is then not null): the loader sends
    /// those bytes to the device, a quarter of the float32 size, and the trainer normalises there with
    /// <see cref="PixelNormalization.Normalize"/>. This is faithful to torchvision, whose PIL transforms produce 8-bit
    /// images before ToTensor and Normalize. Sources whose samples are not images (feature vectors) keep float32.
    /// </remarks>
    public interface ISampleSource
    {
        /// <summary>Number of samples.</summary>
        int Count { get; }

        /// <summary>Class index of every sample, in [0, number of classes).</summary>
        IReadOnlyList<long> Labels { get; }

        /// <summary>Shape of one sample as the model reads it, e.g. [1, 28, 28] or [3, 32, 32].</summary>
        IReadOnlyList<long> SampleShape { get; }

        /// <summary>How <see cref="ReadPixels"/> bytes become the values <see cref="Read"/> writes; null when the source has
        /// no pixel form (its samples are float32 only). Dimension 0 of <see cref="SampleShape"/> is the channel.</summary>
        PixelNormalization? Pixels => null;

        /// <summary>Writes sample <paramref name="index"/>, normalised, into <paramref name="destination"/>. For a pixel
        /// source this is exactly <see cref="ReadPixels"/> followed by <see cref="Pixels"/>' normalisation.</summary>
        /// <param name="index">Sample index in [0, <see cref="Count"/>).</param>
        /// <param name="destination">Exactly as many floats as the product of <see cref="SampleShape"/>.</param>
        /// <param name="augmentationSeed">Seed of this sample's augmentation, or null for none (evaluation). The loader
        /// derives it from the pass's seed and the sample's position (<see cref="BatchLoader.SampleSeed"/>).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the set.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
        void Read(int index, Span<float> destination, ulong? augmentationSeed);

        /// <summary>Writes sample <paramref name="index"/> as 8-bit pixels (channel-major, the layout of
        /// <see cref="SampleShape"/>) into <paramref name="destination"/>, augmented as <see cref="Read"/> would.</summary>
        /// <param name="index">Sample index in [0, <see cref="Count"/>).</param>
        /// <param name="destination">Exactly as many bytes as the product of <see cref="SampleShape"/>.</param>
        /// <param name="augmentationSeed">As for <see cref="Read"/>.</param>
        /// <exception cref="NotSupportedException">The source has no pixel form (<see cref="Pixels"/> is null).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the set.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
        void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed) =>
            throw new NotSupportedException($"{GetType().Name} has no pixel form; read it with Read (float32).");

        /// <summary>Shape of one sample's dense target, e.g. [H, W] for a segmentation mask; empty (the default) when the
        /// target is the class label of <see cref="Labels"/>. A dense source's <see cref="Labels"/> are a per-sample summary
        /// for samplers and checks (see the source), not the training target.</summary>
        IReadOnlyList<long> TargetShape => Array.Empty<long>();

        /// <summary>Writes the dense target of sample <paramref name="index"/> (int64 classes, or the source's ignore index)
        /// into <paramref name="destination"/>, augmented exactly as <see cref="ReadPixels"/> and <see cref="Read"/> augment
        /// the sample for the same seed (a flipped image gets a flipped mask).</summary>
        /// <param name="index">Sample index in [0, <see cref="Count"/>).</param>
        /// <param name="destination">Exactly as many values as the product of <see cref="TargetShape"/>.</param>
        /// <param name="augmentationSeed">As for <see cref="Read"/>.</param>
        /// <exception cref="NotSupportedException">The source has no dense target (<see cref="TargetShape"/> is empty).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the set.</exception>
        /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
        void ReadTarget(int index, Span<long> destination, ulong? augmentationSeed) =>
            throw new NotSupportedException($"{GetType().Name} has no dense target; its target is the label of Labels.");
    }
}
