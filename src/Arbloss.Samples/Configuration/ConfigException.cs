using System;

namespace Arbloss.Samples.Configuration
{
    /// <summary>
    /// A configuration file or <c>--set</c> override is invalid: an unknown key, a value of the wrong type or out of
    /// range, or inconsistent settings. The message names the key (and the file and line when known) and the fix.
    /// </summary>
    public sealed class ConfigException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="key">The offending key, or null when the problem is not tied to one key.</param>
        /// <param name="message">What is wrong and how to fix it.</param>
        public ConfigException(string? key, string message) : base(message)
        {
            Key = key;
        }

        /// <summary>Creates the exception with an inner cause.</summary>
        /// <param name="key">The offending key, or null.</param>
        /// <param name="message">What is wrong and how to fix it.</param>
        /// <param name="inner">The underlying error (e.g. a YAML syntax error).</param>
        public ConfigException(string? key, string message, Exception inner) : base(message, inner)
        {
            Key = key;
        }

        /// <summary>Creates the exception, saying whether the mistake is in what was typed on the command line.</summary>
        /// <param name="key">The offending key, or null.</param>
        /// <param name="message">What is wrong and how to fix it.</param>
        /// <param name="inner">The underlying error, or null.</param>
        /// <param name="fromCommandLine">True when the value at fault came from <c>--set</c> or a trailing
        /// <c>KEY VALUE</c> pair (the command line exits with 2 then).</param>
        public ConfigException(string? key, string message, Exception? inner, bool fromCommandLine) : base(message, inner)
        {
            Key = key;
            FromCommandLine = fromCommandLine;
        }

        /// <summary>The configuration key the error is about, or null.</summary>
        public string? Key { get; }

        /// <summary>Whether the value at fault was typed on the command line (<c>--set</c> or a trailing pair) rather than
        /// read from a file.</summary>
        public bool FromCommandLine { get; }
    }
}
