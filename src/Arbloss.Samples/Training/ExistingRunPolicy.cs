namespace Arbloss.Samples.Training
{
    /// <summary>What a new run does when its output folder already holds a run (a checkpoint, results or a log) that it
    /// does not continue.</summary>
    public enum ExistingRunPolicy
    {
        /// <summary>Stop with a <see cref="RunExistsException"/> naming the folder and the ways on (the default).</summary>
        Refuse,

        /// <summary>Move the old run's files to a sibling folder <c>OUTPUT.old-TIME</c> and start afresh (<c>--force</c>).</summary>
        MoveAside,

        /// <summary>Delete the old run's files and start afresh (<c>--force --delete-old</c>).</summary>
        Delete,
    }
}
