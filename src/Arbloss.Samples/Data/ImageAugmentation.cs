namespace Arbloss.Samples.Data
{
    /// <summary>Training-time augmentation of an <see cref="InMemoryImageSource"/>.</summary>
    public enum ImageAugmentation
    {
        /// <summary>None: the image is only normalised (the Fashion-MNIST recipe).</summary>
        None = 0,

        /// <summary>The authors' CIFAR recipe: zero-pad by 4 pixels, random crop back to the original size, random
        /// horizontal flip with probability 1/2, then normalise.</summary>
        PadCropFlip = 1,
    }
}
