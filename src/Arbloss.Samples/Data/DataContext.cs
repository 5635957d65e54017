using System;
using System.IO;

namespace Arbloss.Samples.Data
{
    /// <summary>What dataset providers need from their caller: a downloader, whether downloading is allowed,
    /// a cache folder for downloads, and a writer for one-line status messages.</summary>
    public sealed class DataContext
    {
        /// <summary>Creates a context.</summary>
        /// <param name="downloader">Fetches and verifies archives; null for one with default settings.</param>
        /// <param name="log">Receives status lines (e.g. "using /usr/share/datasets/fashion-mnist"); null to discard them.</param>
        /// <param name="allowDownload">Whether missing files may be downloaded.</param>
        /// <param name="cacheRoot">Folder receiving downloads when a config has no data_path; null for the default
        /// (<c>$XDG_CACHE_HOME/arbloss/datasets</c> or <c>~/.cache/arbloss/datasets</c>).</param>
        public DataContext(Downloader? downloader = null, TextWriter? log = null, bool allowDownload = true, string? cacheRoot = null)
        {
            Downloader = downloader ?? new Downloader();
            Log = log ?? TextWriter.Null;
            AllowDownload = allowDownload;
            CacheRoot = cacheRoot ?? DefaultCacheRoot();
        }

        /// <summary>Fetches and verifies archives.</summary>
        public Downloader Downloader { get; }

        /// <summary>Receives status lines.</summary>
        public TextWriter Log { get; }

        /// <summary>Whether missing files may be downloaded.</summary>
        public bool AllowDownload { get; }

        /// <summary>Folder receiving downloads for configs without a data_path.</summary>
        public string CacheRoot { get; }

        /// <summary>The default download folder: <c>$XDG_CACHE_HOME/arbloss/datasets</c>, else <c>~/.cache/arbloss/datasets</c>.</summary>
        /// <returns>An absolute path (not created).</returns>
        public static string DefaultCacheRoot()
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "arbloss", "datasets");
        }
    }
}
