namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>One line of an image list file: an image path relative to the image root and its class label.</summary>
    /// <param name="RelativePath">Image path relative to the image root, with '/' separators as written in the file.</param>
    /// <param name="Label">Class label (as written in the file, or re-mapped when the entry belongs to an <see cref="ImageListDataset"/>).</param>
    /// <param name="LineNumber">1-based line number in the list file, for error messages.</param>
    public readonly record struct ImageListEntry(string RelativePath, int Label, int LineNumber);
}
