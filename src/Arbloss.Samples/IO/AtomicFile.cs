using System;
using System.IO;
using System.Text;

namespace Arbloss.Samples.IO
{
    /// <summary>Writes files atomically: into a hidden temporary file in the same folder, flushed to disk, then
    /// renamed over the destination. Readers see the old file or the new one, never a partial one.</summary>
    public static class AtomicFile
    {
        /// <summary>Writes a file through <paramref name="write"/>.</summary>
        /// <param name="path">Destination; its folder is created when missing.</param>
        /// <param name="write">Writes the content to the stream it is given.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="IOException">The file cannot be written; the destination is unchanged.</exception>
        /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
        public static void Write(string path, Action<Stream> write)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(write);
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temp, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        /// <summary>Writes text as UTF-8 (no byte-order mark).</summary>
        /// <param name="path">Destination.</param>
        /// <param name="text">The content.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="IOException">The file cannot be written; the destination is unchanged.</exception>
        /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
        public static void WriteAllText(string path, string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            var bytes = new UTF8Encoding(false).GetBytes(text);
            Write(path, s => s.Write(bytes, 0, bytes.Length));
        }

        /// <summary>Copies a file atomically.</summary>
        /// <param name="source">The file to copy.</param>
        /// <param name="destination">Destination.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="IOException">A file cannot be read or written; the destination is unchanged.</exception>
        /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
        public static void Copy(string source, string destination)
        {
            ArgumentNullException.ThrowIfNull(source);
            using var input = File.OpenRead(source);
            Write(destination, s => input.CopyTo(s));
        }
    }
}
