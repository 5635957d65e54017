using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Arbloss.Samples.Data;

namespace Arbloss.Samples.Reporting
{
    /// <summary>Draws download progress on a text writer: a redrawn bar (<c>[#####.....] 45% 12.1/26.4 MB 3.2 MB/s</c>)
    /// when interactive, or a line every 10% otherwise.</summary>
    public sealed class ConsoleDownloadProgress : IDownloadProgress
    {
        private readonly TextWriter _out;
        private readonly bool _interactive;
        private readonly Stopwatch _clock = new();
        private string? _file;
        private int _lastDecile = -1;
        private long _lastDraw;

        /// <summary>Creates the renderer.</summary>
        /// <param name="output">Where to draw (usually standard error).</param>
        /// <param name="interactive">Redraw one line (true) or print lines.</param>
        public ConsoleDownloadProgress(TextWriter output, bool interactive)
        {
            _out = output ?? throw new ArgumentNullException(nameof(output));
            _interactive = interactive;
        }

        /// <inheritdoc />
        public void Report(string fileName, long received, long? total)
        {
            if (_file != fileName)
            {
                _file = fileName;
                _clock.Restart();
                _lastDecile = -1;
                _lastDraw = -1;
            }
            double seconds = Math.Max(1e-3, _clock.Elapsed.TotalSeconds);
            string rate = $"{received / seconds / 1e6:F1} MB/s";
            if (total is long t && t > 0)
            {
                double fraction = Math.Min(1.0, (double)received / t);
                if (_interactive)
                {
                    long now = _clock.ElapsedMilliseconds;
                    if (now - _lastDraw < 100 && received < t) return;
                    _lastDraw = now;
                    int filled = (int)(fraction * 30);
                    _out.Write($"\r{fileName} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,3:F0}% {received / 1e6:F1}/{t / 1e6:F1} MB {rate}   ");
                }
                else
                {
                    int decile = (int)(fraction * 10);
                    if (decile == _lastDecile) return;
                    _lastDecile = decile;
                    _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fileName}: {decile * 10}% of {t / 1e6:F1} MB, {rate}"));
                }
            }
            else if (_interactive)
            {
                _out.Write($"\r{fileName}: {received / 1e6:F1} MB {rate}   ");
            }
        }

        /// <inheritdoc />
        public void Completed(string fileName, bool success)
        {
            if (_interactive && _file == fileName) _out.WriteLine(success ? " done" : " failed");
            _file = null;
        }
    }
}
