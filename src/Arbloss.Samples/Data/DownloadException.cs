using System;

namespace Arbloss.Samples.Data
{
    /// <summary>A download failed: host unreachable, HTTP error, stalled transfer or checksum mismatch. Nothing was
    /// left at the destination. The message is one line.</summary>
    public sealed class DownloadException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">One line saying what failed.</param>
        /// <param name="inner">The underlying error, if any.</param>
        public DownloadException(string message, Exception? inner = null) : base(message, inner)
        {
        }
    }
}
