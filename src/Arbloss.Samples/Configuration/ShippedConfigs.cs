using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Arbloss.Samples.Configuration
{
    /// <summary>
    /// The YAML configs shipped with the app (the repository's <c>configs/</c> folder, copied next to the program).
    /// Each file's first comment line is its one-line description.
    /// </summary>
    public static class ShippedConfigs
    {
        /// <summary>The folder of the shipped configs: <c>configs/</c> beside the program.</summary>
        public static string Folder => Path.Combine(AppContext.BaseDirectory, "configs");

        /// <summary>Every shipped config: its path relative to <see cref="Folder"/> (with forward slashes) and description.</summary>
        /// <returns>Sorted by path; empty when the folder is missing.</returns>
        public static IReadOnlyList<(string RelativePath, string Description)> List()
        {
            if (!Directory.Exists(Folder)) return Array.Empty<(string, string)>();
            return Directory.EnumerateFiles(Folder, "*.yaml", SearchOption.AllDirectories)
                .Select(path => (Path.GetRelativePath(Folder, path).Replace('\\', '/'), Describe(path)))
                .OrderBy(e => e.Item1, StringComparer.Ordinal)
                .ToArray();
        }

        /// <summary>Finds a config: the path as given, else relative to <see cref="Folder"/> (with or without <c>.yaml</c>).</summary>
        /// <param name="nameOrPath">A file path or a shipped config's relative path.</param>
        /// <returns>An existing file path.</returns>
        /// <exception cref="ConfigException">No such file; the message lists where it looked.</exception>
        public static string Resolve(string nameOrPath)
        {
            if (string.IsNullOrWhiteSpace(nameOrPath)) throw new ConfigException(null, "No configuration was given: pass --config FILE.yaml (see the 'configs' command).");
            if (File.Exists(nameOrPath)) return nameOrPath;
            foreach (var candidate in new[] { nameOrPath, nameOrPath + ".yaml" })
            {
                var shipped = Path.Combine(Folder, candidate);
                if (File.Exists(shipped)) return shipped;
            }
            throw new ConfigException(null, $"--config {nameOrPath}: not found (no such file, and no shipped config of that name in {Folder}).{Suggest(nameOrPath)} Run the 'configs' command to list the shipped ones.");
        }

        /// <summary>" Did you mean ..." for a config name that is not found: the shipped configs of that file name in any
        /// folder, else the closest shipped name.</summary>
        private static string Suggest(string nameOrPath)
        {
            var names = List().Select(e => e.RelativePath[..^".yaml".Length]).ToArray();
            var typed = nameOrPath.Replace('\\', '/');
            if (typed.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)) typed = typed[..^".yaml".Length];
            var sameFile = names.Where(n => n.EndsWith("/" + typed, StringComparison.Ordinal)).ToArray();
            if (sameFile.Length > 0) return $" Did you mean {string.Join(" or ", sameFile.Take(4).Select(n => $"'{n}'"))}?";
            return Suggestions.DidYouMean(typed, names);
        }

        private static string Describe(string path)
        {
            foreach (var line in File.ReadLines(path))
            {
                var text = line.Trim();
                if (text.StartsWith('#')) return text.TrimStart('#').Trim();
                if (text.Length > 0) break;
            }
            return "";
        }
    }
}
