using System.Collections.Generic;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// The decoded images of both CIFAR splits, whichever version they came from (torchvision's python pickles or
    /// the binary batches). Image <c>i</c>, channel <c>c</c>, row <c>r</c>, column <c>k</c> is the byte at
    /// <c>i * 3072 + c * 1024 + r * 32 + k</c>: channel-major (1024 red, 1024 green, 1024 blue), rows top to bottom,
    /// exactly as torchvision's <c>data.reshape(-1, 3, 32, 32)</c> sees them.
    /// </summary>
    /// <param name="TrainPixels">Training images, N x 3072 bytes, channel-major.</param>
    /// <param name="TrainLabels">Training labels (the fine labels for CIFAR-100).</param>
    /// <param name="TestPixels">Test images.</param>
    /// <param name="TestLabels">Test labels.</param>
    /// <param name="ClassNames">Class names from the meta file, or null when absent.</param>
    public sealed record CifarContent(byte[] TrainPixels, long[] TrainLabels, byte[] TestPixels, long[] TestLabels, IReadOnlyList<string>? ClassNames);
}
