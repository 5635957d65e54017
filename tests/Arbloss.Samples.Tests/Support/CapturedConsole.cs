using System;
using System.IO;
using System.Text;
using Arbloss.Samples.Cli;
using Spectre.Console;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>The app's console for output redirected to a file (as <see cref="AppConsole"/> makes it), writing into a
    /// string; optionally calling back on every write (to stop a run when a line appears, as Ctrl+C would).</summary>
    public sealed class CapturedConsole
    {
        private readonly WatchingWriter _writer;

        public CapturedConsole(Action<string>? onWrite = null)
        {
            _writer = new WatchingWriter(onWrite);
            Console = AppConsole.Create(_writer, redirected: true);
        }

        public IAnsiConsole Console { get; }

        public string Output => _writer.ToString();

        private sealed class WatchingWriter : StringWriter
        {
            private readonly Action<string>? _onWrite;

            public WatchingWriter(Action<string>? onWrite) => _onWrite = onWrite;

            public override Encoding Encoding => Encoding.UTF8;

            public override void Write(char value)
            {
                base.Write(value);
                _onWrite?.Invoke(ToString());
            }

            public override void Write(string? value)
            {
                base.Write(value);
                _onWrite?.Invoke(ToString());
            }

            public override void Write(char[] buffer, int index, int count)
            {
                base.Write(buffer, index, count);
                _onWrite?.Invoke(ToString());
            }
        }
    }
}
