using System;
using System.Threading;

namespace Arbloss.Samples.Training
{
    /// <summary>A run was stopped (Ctrl+C); the message says what was kept and how to continue, and is true in each case
    /// (for example "nothing was saved" when no epoch had finished).</summary>
    public sealed class RunInterruptedException : OperationCanceledException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What was kept and how to continue, one line.</param>
        /// <param name="epochsSaved">Epochs whose checkpoint is on disk (0: nothing was saved).</param>
        /// <param name="token">The token that stopped the run.</param>
        public RunInterruptedException(string message, int epochsSaved, CancellationToken token) : base(message, token)
        {
            EpochsSaved = epochsSaved;
        }

        /// <summary>Epochs whose checkpoint is on disk; 0 when the run was stopped before its first epoch finished.</summary>
        public int EpochsSaved { get; }
    }
}
