using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Configuration
{
    /// <summary>"Did you mean" for a misspelt name (a config key, a shipped config, a command or an option): the
    /// candidate that differs least, ignoring case, when it is close enough to be a typing mistake.</summary>
    public static class Suggestions
    {
        /// <summary>The candidate closest to <paramref name="input"/>: one equal to it but for case, else the one at the
        /// smallest edit distance (ignoring case), when that distance is at most 3 and at most half the input's length.</summary>
        /// <param name="input">What the user typed.</param>
        /// <param name="candidates">The names that exist.</param>
        /// <returns>The suggestion, or null when none is close.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static string? Closest(string input, IEnumerable<string> candidates)
        {
            ArgumentNullException.ThrowIfNull(input);
            ArgumentNullException.ThrowIfNull(candidates);
            var typed = input.ToLowerInvariant();
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var candidate in candidates.Distinct(StringComparer.Ordinal))
            {
                if (candidate == input) continue;
                int d = Distance(typed, candidate.ToLowerInvariant());
                if (d < bestDistance) (best, bestDistance) = (candidate, d);
            }
            int limit = Math.Min(3, Math.Max(1, input.Length / 2));
            return best is not null && bestDistance <= limit ? best : null;
        }

        /// <summary>" Did you mean 'X'?" for the closest candidate, or an empty string.</summary>
        /// <param name="input">What the user typed.</param>
        /// <param name="candidates">The names that exist.</param>
        /// <returns>The sentence with a leading space, or "".</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static string DidYouMean(string input, IEnumerable<string> candidates) =>
            Closest(input, candidates) is string s ? $" Did you mean '{s}'?" : "";

        /// <summary>Levenshtein distance (insertions, deletions and substitutions cost 1; case matters).</summary>
        /// <param name="a">One string.</param>
        /// <param name="b">The other.</param>
        /// <returns>The number of edits turning one into the other.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static int Distance(string a, string b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }
    }
}
