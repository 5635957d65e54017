namespace Arbloss.Samples.Reporting
{
    /// <summary>Receives a run's progress (to draw it, log it, or stop it through the run's cancellation token).</summary>
    public interface ITrainingObserver
    {
        /// <summary>The run is set up and about to train.</summary>
        /// <param name="info">What is being trained.</param>
        void RunStarted(RunInfo info);

        /// <summary>An epoch starts.</summary>
        /// <param name="epoch">Epoch, from 1.</param>
        /// <param name="batches">Training batches in the epoch.</param>
        /// <param name="lr">Its learning rate.</param>
        void EpochStarted(int epoch, int batches, double lr);

        /// <summary>A training batch is done.</summary>
        /// <param name="progress">Running numbers of the epoch.</param>
        void BatchCompleted(BatchProgress progress);

        /// <summary>An epoch is done, evaluated and checkpointed.</summary>
        /// <param name="record">Its log row.</param>
        /// <param name="isBest">Whether its test top-1 is the best so far.</param>
        void EpochCompleted(EpochRecord record, bool isBest);

        /// <summary>The run ended (completed or interrupted) and its results are written.</summary>
        /// <param name="results">The results.</param>
        void RunCompleted(RunResults results);

        /// <summary>A status line (e.g. which files were read).</summary>
        /// <param name="line">The text.</param>
        void Message(string line);
    }
}
