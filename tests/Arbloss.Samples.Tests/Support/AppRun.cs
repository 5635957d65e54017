using System.IO;
using Arbloss.Samples.Cli;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>Runs the samples app's command line in process, as a user's shell would, capturing both outputs.</summary>
    public static class AppRun
    {
        /// <summary>Parses and invokes <paramref name="args"/>; a parse error exits 2, as <c>Program.Main</c> does.</summary>
        public static (int Code, string Output, string Error) Run(params string[] args)
        {
            var console = new CapturedConsole();
            var error = new StringWriter();
            var parsed = AppCommands.Build(console.Console, error).Parse(args);
            int code = parsed.Errors.Count > 0 ? 2 : parsed.Invoke(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
            return (code, console.Output, error.ToString());
        }
    }
}
