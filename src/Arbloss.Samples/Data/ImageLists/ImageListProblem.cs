namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>An entry that was left out under <see cref="InvalidEntryPolicy.Skip"/>, with where it was and why.</summary>
    /// <param name="ListPath">The list file the entry came from.</param>
    /// <param name="LineNumber">1-based line number in <paramref name="ListPath"/>.</param>
    /// <param name="Reason">What was wrong with it.</param>
    public sealed record ImageListProblem(string ListPath, int LineNumber, string Reason)
    {
        /// <summary>Formats the problem as <c>file line N: reason</c>.</summary>
        public override string ToString() => $"{ListPath} line {LineNumber}: {Reason}";
    }
}
