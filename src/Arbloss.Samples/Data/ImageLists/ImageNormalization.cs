using System;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>Per-channel normalisation applied after scaling pixels to [0, 1]: <c>(x - mean) / std</c>.</summary>
    /// <param name="MeanR">Mean of the red channel.</param>
    /// <param name="MeanG">Mean of the green channel.</param>
    /// <param name="MeanB">Mean of the blue channel.</param>
    /// <param name="StdR">Standard deviation of the red channel (positive).</param>
    /// <param name="StdG">Standard deviation of the green channel (positive).</param>
    /// <param name="StdB">Standard deviation of the blue channel (positive).</param>
    public readonly record struct ImageNormalization(float MeanR, float MeanG, float MeanB, float StdR, float StdG, float StdB)
    {
        /// <summary>The ImageNet statistics torchvision's pretrained models expect: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).</summary>
        public static ImageNormalization ImageNet { get; } = new(0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f);

        /// <summary>The mean of channel <paramref name="channel"/> (0 = R, 1 = G, 2 = B).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="channel"/> is not 0, 1 or 2.</exception>
        public float Mean(int channel) => channel switch
        {
            0 => MeanR,
            1 => MeanG,
            2 => MeanB,
            _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "The channel must be 0, 1 or 2."),
        };

        /// <summary>The standard deviation of channel <paramref name="channel"/> (0 = R, 1 = G, 2 = B).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="channel"/> is not 0, 1 or 2.</exception>
        public float Std(int channel) => channel switch
        {
            0 => StdR,
            1 => StdG,
            2 => StdB,
            _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "The channel must be 0, 1 or 2."),
        };
    }
}
