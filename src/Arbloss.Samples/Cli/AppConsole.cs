using System;
using System.IO;
using System.Text;
using Spectre.Console;

namespace Arbloss.Samples.Cli
{
    /// <summary>Creates the app's Spectre console: the terminal's width when interactive; when output goes to a file or
    /// a pipe, a page so wide that no line is wrapped, and every line written without the trailing spaces that centring
    /// and cell padding leave (the reporters write plain lines there instead of rules drawn across the page).</summary>
    public static class AppConsole
    {
        /// <summary>Width used when standard output is redirected: wider than any line the app writes, so none is wrapped.</summary>
        public const int RedirectedWidth = 32_767;

        /// <summary>Creates the console on standard output.</summary>
        /// <returns>A console writing to standard output.</returns>
        public static IAnsiConsole Create() => Create(Console.Out, Console.IsOutputRedirected);

        /// <summary>Creates a console writing to <paramref name="output"/>.</summary>
        /// <param name="output">Where text goes.</param>
        /// <param name="redirected">True for a file or pipe: no colours, no live display, no wrapping.</param>
        /// <returns>The console.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
        public static IAnsiConsole Create(TextWriter output, bool redirected)
        {
            ArgumentNullException.ThrowIfNull(output);
            if (!redirected) return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(new TrimmingWriter(output)),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            console.Profile.Width = RedirectedWidth;
            return console;
        }

        /// <summary>Passes text on line by line, each without trailing spaces.</summary>
        private sealed class TrimmingWriter : TextWriter
        {
            private readonly TextWriter _inner;
            private readonly StringBuilder _line = new();

            public TrimmingWriter(TextWriter inner) => _inner = inner;

            public override Encoding Encoding => _inner.Encoding;

            public override void Write(char value)
            {
                if (value == '\n')
                {
                    int end = _line.Length;
                    while (end > 0 && _line[end - 1] is ' ' or '\r') end--;
                    _inner.Write(_line.ToString(0, end));
                    _inner.Write('\n');
                    _line.Clear();
                }
                else
                {
                    _line.Append(value);
                }
            }

            public override void Write(string? value)
            {
                if (value is null) return;
                foreach (var c in value) Write(c);
            }

            public override void Write(char[] buffer, int index, int count)
            {
                for (int i = index; i < index + count; i++) Write(buffer[i]);
            }

            public override void Flush()
            {
                // A partial line stays until its end arrives (its trailing spaces may still be cut); the rest goes out.
                _inner.Flush();
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing && _line.Length > 0)
                {
                    _inner.Write(_line.ToString());
                    _line.Clear();
                }
                base.Dispose(disposing);
            }
        }
    }
}
