using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Arbloss.Samples.Cli
{
    /// <summary>What the command line takes from its surroundings besides the arguments; the defaults are the real ones
    /// (the terminal's Ctrl+C, the user's download cache, Debian's Fashion-MNIST folder). Tests and hosts replace them.</summary>
    public sealed record AppEnvironment
    {
        /// <summary>Stops a running command as Ctrl+C does (linked with it).</summary>
        public CancellationToken Stop { get; init; }

        /// <summary>The download cache folder, or null for <c>~/.cache/arbloss/datasets</c>.</summary>
        public string? CacheRoot { get; init; }

        /// <summary>Folders the main job searches for Fashion-MNIST after <c>--data</c>, or null for Debian's
        /// <c>/usr/share/datasets/fashion-mnist</c>.</summary>
        public IReadOnlyList<string>? FashionMnistFolders { get; init; }

        /// <summary>Where <c>--help</c> text goes, or null for standard output.</summary>
        public TextWriter? HelpOutput { get; init; }
    }
}
