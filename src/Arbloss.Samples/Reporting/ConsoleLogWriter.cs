using System;
using System.Text;
using Spectre.Console;

namespace Arbloss.Samples.Reporting
{
    /// <summary>A <see cref="System.IO.TextWriter"/> that forwards whole lines to a Spectre console in grey (status lines
    /// of the dataset providers), so they mix safely with the live progress display.</summary>
    public sealed class ConsoleLogWriter : System.IO.TextWriter
    {
        private readonly IAnsiConsole _console;
        private readonly StringBuilder _pending = new();

        /// <summary>Creates the writer.</summary>
        /// <param name="console">The console.</param>
        /// <exception cref="ArgumentNullException"><paramref name="console"/> is null.</exception>
        public ConsoleLogWriter(IAnsiConsole console)
        {
            _console = console ?? throw new ArgumentNullException(nameof(console));
        }

        /// <inheritdoc />
        public override Encoding Encoding => Encoding.UTF8;

        /// <inheritdoc />
        public override void Write(char value)
        {
            if (value == '\n') Flush();
            else if (value != '\r') _pending.Append(value);
        }

        /// <inheritdoc />
        public override void WriteLine(string? value)
        {
            _pending.Append(value);
            Flush();
        }

        /// <inheritdoc />
        public override void Flush()
        {
            if (_pending.Length == 0) return;
            _console.MarkupLine("[grey]" + Markup.Escape(_pending.ToString()) + "[/]");
            _pending.Clear();
        }
    }
}
