using System;
using System.IO;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// A list file or one of the images it names is unusable: a malformed line, a label out of range, a missing or
    /// undecodable image. The message names the list file and the line; so do <see cref="ListPath"/> and
    /// <see cref="LineNumber"/>. Pass <see cref="InvalidEntryPolicy.Skip"/> to leave such entries out instead.
    /// </summary>
    public sealed class ImageListException : IOException
    {
        /// <summary>Creates the exception for line <paramref name="lineNumber"/> of <paramref name="listPath"/>.</summary>
        /// <param name="listPath">The list file.</param>
        /// <param name="lineNumber">1-based line number; 0 when the problem concerns the whole file.</param>
        /// <param name="reason">What is wrong and how to fix it.</param>
        /// <param name="innerException">The underlying error, if any.</param>
        public ImageListException(string listPath, int lineNumber, string reason, Exception? innerException = null)
            : base(Format(listPath, lineNumber, reason), innerException)
        {
            ListPath = listPath;
            LineNumber = lineNumber;
            Reason = reason;
        }

        /// <summary>The list file.</summary>
        public string ListPath { get; }

        /// <summary>1-based line number in <see cref="ListPath"/>; 0 when the problem concerns the whole file.</summary>
        public int LineNumber { get; }

        /// <summary>What is wrong, without the file and line prefix.</summary>
        public string Reason { get; }

        private static string Format(string listPath, int lineNumber, string reason)
            => lineNumber > 0 ? $"{listPath} line {lineNumber}: {reason}" : $"{listPath}: {reason}";
    }
}
