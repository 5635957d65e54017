namespace Arbloss.Samples.Reporting
{
    /// <summary>Running numbers of an epoch after a training batch.</summary>
    /// <param name="Epoch">Epoch, from 1.</param>
    /// <param name="Batch">Batches done in the epoch, from 1.</param>
    /// <param name="Batches">Batches in the epoch.</param>
    /// <param name="Loss">Mean training loss so far in the epoch (NaN between refreshes when not yet read from the device).</param>
    /// <param name="Accuracy">Training top-1 so far in the epoch, percent.</param>
    /// <param name="ImagesPerSecond">Training throughput so far in the epoch.</param>
    /// <param name="Fresh">Whether loss and accuracy were read from the device for this batch (every print_freq batches).</param>
    public sealed record BatchProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond, bool Fresh);
}
