using System.IO;
using Spectre.Console;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>A non-interactive Spectre console writing into a string.</summary>
    public sealed class CapturedConsole
    {
        private readonly StringWriter _writer = new();

        public CapturedConsole()
        {
            Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(_writer),
                Ansi = AnsiSupport.No,
                Interactive = InteractionSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
            });
            Console.Profile.Width = 200;
        }

        public IAnsiConsole Console { get; }

        public string Output => _writer.ToString();
    }
}
