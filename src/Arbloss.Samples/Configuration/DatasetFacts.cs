namespace Arbloss.Samples.Configuration
{
    /// <summary>What the config parser needs to know of a dataset: its defaults and whether it is a list-file dataset.</summary>
    /// <param name="Name">The registered name.</param>
    /// <param name="DefaultNumClasses">Classes when a config gives no <c>num_classes</c>.</param>
    /// <param name="FixedNumClasses">The only class count the dataset has, or null when any is accepted.</param>
    /// <param name="DefaultBackbone">Backbone when a config gives none.</param>
    /// <param name="IsImageList">Whether it reads list files of images (the keys <c>image_root</c>, <c>image_size</c> apply).</param>
    /// <param name="IsSegmentation">Whether its targets are dense label masks (a segmentation dataset: <c>image_size</c>
    /// applies; <c>train_scenes</c> and <c>test_scenes</c> to the generated one).</param>
    public sealed record DatasetFacts(string Name, int DefaultNumClasses, int? FixedNumClasses, string DefaultBackbone, bool IsImageList, bool IsSegmentation = false);
}
