using Arbloss.Samples.Reporting;

namespace Arbloss.Samples.Training
{
    /// <summary>An observer that ignores everything.</summary>
    public sealed class NullObserver : ITrainingObserver
    {
        /// <summary>The shared instance.</summary>
        public static NullObserver Instance { get; } = new();

        /// <inheritdoc />
        public void RunStarted(RunInfo info)
        {
        }

        /// <inheritdoc />
        public void EpochStarted(int epoch, int batches, double lr)
        {
        }

        /// <inheritdoc />
        public void BatchCompleted(BatchProgress progress)
        {
        }

        /// <inheritdoc />
        public void EpochCompleted(EpochRecord record, bool isBest)
        {
        }

        /// <inheritdoc />
        public void RunCompleted(RunResults results)
        {
        }

        /// <inheritdoc />
        public void Message(string line)
        {
        }
    }
}
