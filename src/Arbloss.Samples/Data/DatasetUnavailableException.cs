using System;

namespace Arbloss.Samples.Data
{
    /// <summary>A dataset's files are neither present nor downloadable. The message is one line: where the app
    /// looked, why the download failed, and how to get the data.</summary>
    public sealed class DatasetUnavailableException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">One line: where the app looked and how to get the data.</param>
        /// <param name="inner">The download error, if any.</param>
        public DatasetUnavailableException(string message, Exception? inner = null) : base(message, inner)
        {
        }
    }
}
