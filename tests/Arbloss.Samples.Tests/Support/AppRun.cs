using System;
using System.IO;
using System.Threading;
using Arbloss.Samples.Cli;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>Runs the samples app's command line in process, as a user's shell would (through <see cref="AppCommands.Run"/>,
    /// the program's own path), capturing both outputs.</summary>
    public static class AppRun
    {
        /// <summary>Parses and invokes <paramref name="args"/>; a parse error exits 2, as <c>Program.Main</c> does.</summary>
        public static (int Code, string Output, string Error) Run(params string[] args) => Run(new AppEnvironment(), args);

        /// <summary>As <see cref="Run(string[])"/>, with a cache folder, data folders or a stop token of the test's own.</summary>
        public static (int Code, string Output, string Error) Run(AppEnvironment environment, params string[] args)
        {
            var console = new CapturedConsole();
            var error = new StringWriter();
            int code = AppCommands.Run(args, console.Console, error, environment with { HelpOutput = environment.HelpOutput ?? new StringWriter() });
            return (code, console.Output, error.ToString());
        }

        /// <summary>Runs <paramref name="args"/> and presses Ctrl+C (cancels) as soon as the output contains
        /// <paramref name="stopAt"/>.</summary>
        public static (int Code, string Output, string Error) RunAndStop(string stopAt, AppEnvironment environment, params string[] args)
        {
            using var stop = new CancellationTokenSource();
            var console = new CapturedConsole(text =>
            {
                if (!stop.IsCancellationRequested && text.Contains(stopAt, StringComparison.Ordinal)) stop.Cancel();
            });
            var error = new StringWriter();
            int code = AppCommands.Run(args, console.Console, error, environment with { Stop = stop.Token, HelpOutput = new StringWriter() });
            return (code, console.Output, error.ToString());
        }
    }
}
