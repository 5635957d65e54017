using System;
using System.Collections.Generic;
using System.IO;

namespace Arbloss.Samples.Training
{
    /// <summary>A run would overwrite another run's checkpoint, results or log in its output folder. The message names
    /// the folder, how to continue that run and how to start over.</summary>
    public sealed class RunExistsException : IOException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="folder">The output folder holding the run.</param>
        /// <param name="files">The run's files found there.</param>
        /// <param name="message">The one-line message.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public RunExistsException(string folder, IReadOnlyList<string> files, string message) : base(message)
        {
            Folder = folder ?? throw new ArgumentNullException(nameof(folder));
            Files = files ?? throw new ArgumentNullException(nameof(files));
        }

        /// <summary>The output folder holding the run.</summary>
        public string Folder { get; }

        /// <summary>The run's files found in it.</summary>
        public IReadOnlyList<string> Files { get; }
    }
}
