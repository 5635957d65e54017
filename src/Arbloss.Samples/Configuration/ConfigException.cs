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

        /// <summary>The configuration key the error is about, or null.</summary>
        public string? Key { get; }
    }
}
