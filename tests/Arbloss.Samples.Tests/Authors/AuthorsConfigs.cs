using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Arbloss.Samples.Tests.Authors
{
    /// <summary>The fixture copies of the authors' 32 config files (Fixtures/AuthorsConfigs).</summary>
    internal static class AuthorsConfigs
    {
        public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "AuthorsConfigs");

        public static string PathOf(string relative) => Path.Combine(Folder, relative);

        /// <summary>Every file, relative to <see cref="Folder"/> (e.g. <c>cifar10/cifar10_imb001_arbloss.yaml</c>).</summary>
        public static IReadOnlyList<string> All() =>
            Directory.GetFiles(Folder, "*.yaml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal).ToArray();

        public static IEnumerable<object[]> Cases() => All().Select(f => new object[] { f });
    }
}
