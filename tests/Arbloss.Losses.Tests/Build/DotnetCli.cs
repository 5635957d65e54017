using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Arbloss.Losses.Tests.Build
{
    /// <summary>The repository and the <c>dotnet</c> command line, for the tests that build, pack or evaluate projects.</summary>
    internal static class DotnetCli
    {
        /// <summary>The folder holding Arbloss.Losses.sln, found upwards from the test binaries.</summary>
        /// <exception cref="InvalidOperationException">No Arbloss.Losses.sln above the test binaries.</exception>
        internal static string RepositoryRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Arbloss.Losses.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Arbloss.Losses.sln not found above " + AppContext.BaseDirectory);
        }

        /// <summary>Runs <c>dotnet arguments</c> in <paramref name="workingDirectory"/> without telemetry, logo or node
        /// reuse; fails the test when it runs past <paramref name="timeoutSeconds"/>.</summary>
        /// <returns>The exit code, standard output and standard error.</returns>
        internal static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, string arguments, int timeoutSeconds)
        {
            var psi = new ProcessStartInfo("dotnet", arguments)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
            psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"dotnet {arguments} timed out after {timeoutSeconds} s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
