namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>What to do with a bad line in a list file, a label out of range, or a missing or unreadable image.</summary>
    public enum InvalidEntryPolicy
    {
        /// <summary>Stop with an <see cref="ImageListException"/> naming the list file and line (the default).</summary>
        Throw = 0,

        /// <summary>Leave the entry out, record it as an <see cref="ImageListProblem"/> and count it.</summary>
        Skip = 1,
    }
}
