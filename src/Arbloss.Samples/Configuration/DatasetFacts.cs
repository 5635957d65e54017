namespace Arbloss.Samples.Configuration
{
    /// <summary>What the config parser needs to know of a dataset: its defaults and whether it is a list-file dataset.</summary>
    /// <param name="Name">The registered name.</param>
    /// <param name="DefaultNumClasses">Classes when a config gives no <c>num_classes</c>.</param>
    /// <param name="FixedNumClasses">The only class count the dataset has, or null when any is accepted.</param>
    /// <param name="DefaultBackbone">Backbone when a config gives none.</param>
    /// <param name="IsImageList">Whether it reads list files of images (the keys <c>image_root</c>, <c>image_size</c> apply).</param>
    public sealed record DatasetFacts(string Name, int DefaultNumClasses, int? FixedNumClasses, string DefaultBackbone, bool IsImageList);
}
