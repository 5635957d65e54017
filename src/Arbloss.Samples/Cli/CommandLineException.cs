using System;

namespace Arbloss.Samples.Cli
{
    /// <summary>The command line itself is wrong (options that contradict each other, a malformed trailing pair):
    /// the command exits with <see cref="CliErrors.Usage"/>.</summary>
    public sealed class CommandLineException : ArgumentException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What is wrong and how to fix it, naming the option.</param>
        public CommandLineException(string message) : base(message)
        {
        }
    }
}
