using System;
using Spectre.Console;

namespace Arbloss.Samples.Cli
{
    /// <summary>Creates the app's Spectre console: the terminal's width when interactive, a wide page (no wrapping of
    /// log lines and tables) when output is redirected to a file or pipe.</summary>
    public static class AppConsole
    {
        /// <summary>Width used when standard output is redirected.</summary>
        public const int RedirectedWidth = 200;

        /// <summary>Creates the console.</summary>
        /// <returns>A console writing to standard output.</returns>
        public static IAnsiConsole Create()
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected) console.Profile.Width = RedirectedWidth;
            return console;
        }
    }
}
