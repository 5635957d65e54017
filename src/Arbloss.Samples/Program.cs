using Arbloss.Samples.Cli;

namespace Arbloss.Samples
{
    /// <summary>Entry point of the samples app.</summary>
    public static class Program
    {
        /// <summary>Parses the command line and runs the command (the main job when there is none).</summary>
        /// <param name="args">Command-line arguments; <c>--help</c> describes them.</param>
        /// <returns>0 on success; 1 when the command failed, 2 for a mistake on the command line (each with one line on
        /// standard error); 3 when the main job ran the synthetic fallback; 130 when interrupted. See <see cref="CliErrors"/> for the rule.</returns>
        public static int Main(string[] args)
        {
            NativeThreading.PreferPassiveWaiting();
            return AppCommands.Run(args, AppConsole.Create());
        }
    }
}
