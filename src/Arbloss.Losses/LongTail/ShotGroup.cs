namespace Arbloss.Losses.LongTail
{
    /// <summary>The frequency group of a class in long-tail evaluation.</summary>
    public enum ShotGroup
    {
        /// <summary>In no group (e.g. outside every configured index range); left out of the group accuracies.</summary>
        None = 0,

        /// <summary>Many-shot (head) classes: more than 100 training images under the ImageNet-LT convention.</summary>
        Many = 1,

        /// <summary>Medium-shot classes: 20 to 100 training images under the ImageNet-LT convention.</summary>
        Medium = 2,

        /// <summary>Few-shot (tail) classes: fewer than 20 training images under the ImageNet-LT convention.</summary>
        Few = 3,
    }
}
