using System;
using System.Linq;
using Arbloss.Samples.Cli;

namespace Arbloss.Samples
{
    /// <summary>Entry point of the samples app.</summary>
    public static class Program
    {
        /// <summary>Parses the command line and runs the command (the main job when there is none).</summary>
        /// <param name="args">Command-line arguments; <c>--help</c> describes them.</param>
        /// <returns>0 on success, 1 on failure, 2 on a command-line error (each with one line on standard error),
        /// 130 when interrupted.</returns>
        public static int Main(string[] args)
        {
            NativeThreading.PreferPassiveWaiting();
            var parsed = AppCommands.Build(AppConsole.Create()).Parse(args);
            if (parsed.Errors.Count > 0)
            {
                Console.Error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (run with --help for usage)");
                return 2;
            }
            return parsed.Invoke();
        }
    }
}
