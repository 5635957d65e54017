namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>How list files and their images are read.</summary>
    public sealed record ImageListOptions
    {
        /// <summary>What to do with a bad line, a label out of range, or a missing image. Default: <see cref="InvalidEntryPolicy.Throw"/>.</summary>
        public InvalidEntryPolicy Policy { get; init; } = InvalidEntryPolicy.Throw;

        /// <summary>
        /// Whether every image file is checked for existence when the lists are loaded (default true), so a missing
        /// file stops the run at once instead of hours into training. Undecodable files are found when they are loaded.
        /// </summary>
        public bool CheckImagesExist { get; init; } = true;

        /// <summary>Folder the image paths are relative to; null (default) means the data root.</summary>
        public string? ImageRoot { get; init; }
    }
}
