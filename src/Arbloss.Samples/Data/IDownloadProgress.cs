namespace Arbloss.Samples.Data
{
    /// <summary>Receives the progress of a download (e.g. to draw a progress bar).</summary>
    public interface IDownloadProgress
    {
        /// <summary>Called as bytes arrive.</summary>
        /// <param name="fileName">The file being downloaded.</param>
        /// <param name="received">Bytes received so far.</param>
        /// <param name="total">Expected size, or null when the server did not say.</param>
        void Report(string fileName, long received, long? total);

        /// <summary>Called once when the download ends, successfully or not.</summary>
        /// <param name="fileName">The file.</param>
        /// <param name="success">Whether the file was verified and placed.</param>
        void Completed(string fileName, bool success);
    }
}
