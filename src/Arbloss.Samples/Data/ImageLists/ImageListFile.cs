using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// A parsed image list file in the format of the long-tailed benchmarks (ImageNet-LT, Places-LT, iNaturalist 2018):
    /// one <c>relative/path.jpg label</c> per line. Blank lines are ignored; the path is everything before the last run
    /// of whitespace (so paths may contain spaces) and must be relative; the label is a non-negative integer.
    /// </summary>
    public sealed class ImageListFile
    {
        private ImageListFile(string listPath, List<ImageListEntry> entries, List<ImageListProblem> problems)
        {
            ListPath = listPath;
            Entries = entries;
            Problems = problems;
        }

        /// <summary>The list file's path (or the name given to <see cref="Parse"/>).</summary>
        public string ListPath { get; }

        /// <summary>The valid entries, in file order, with labels as written in the file.</summary>
        public IReadOnlyList<ImageListEntry> Entries { get; }

        /// <summary>The lines left out under <see cref="InvalidEntryPolicy.Skip"/>; empty under <see cref="InvalidEntryPolicy.Throw"/>.</summary>
        public IReadOnlyList<ImageListProblem> Problems { get; }

        /// <summary>Reads and parses a list file.</summary>
        /// <param name="listPath">Path of the list file.</param>
        /// <param name="policy">Whether a bad line stops the read (default) or is skipped and recorded in <see cref="Problems"/>.</param>
        /// <param name="numClasses">When given, labels must lie in [0, numClasses).</param>
        /// <returns>The parsed file.</returns>
        /// <exception cref="ArgumentException"><paramref name="listPath"/> is null or empty, or <paramref name="numClasses"/> is less than 1.</exception>
        /// <exception cref="FileNotFoundException">The list file does not exist.</exception>
        /// <exception cref="ImageListException">A line is malformed or a label is out of range (under <see cref="InvalidEntryPolicy.Throw"/>),
        /// or the file has no entries at all.</exception>
        public static ImageListFile Read(string listPath, InvalidEntryPolicy policy = InvalidEntryPolicy.Throw, int? numClasses = null)
        {
            if (string.IsNullOrEmpty(listPath)) throw new ArgumentException("The list file path must not be empty.", nameof(listPath));
            if (!File.Exists(listPath))
                throw new FileNotFoundException($"List file '{listPath}' does not exist; check the data root and the list file name.", listPath);
            using var reader = new StreamReader(listPath);
            return Parse(reader, listPath, policy, numClasses);
        }

        /// <summary>Parses list text from a reader.</summary>
        /// <param name="reader">The list text.</param>
        /// <param name="listPath">Name used in error messages and <see cref="ImageListProblem"/>s.</param>
        /// <param name="policy">Whether a bad line stops the parse (default) or is skipped and recorded in <see cref="Problems"/>.</param>
        /// <param name="numClasses">When given, labels must lie in [0, numClasses).</param>
        /// <returns>The parsed list.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="reader"/> or <paramref name="listPath"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        /// <exception cref="ImageListException">A line is malformed or a label is out of range (under <see cref="InvalidEntryPolicy.Throw"/>),
        /// or the text has no entries at all.</exception>
        public static ImageListFile Parse(TextReader reader, string listPath, InvalidEntryPolicy policy = InvalidEntryPolicy.Throw, int? numClasses = null)
        {
            if (reader is null) throw new ArgumentNullException(nameof(reader));
            if (listPath is null) throw new ArgumentNullException(nameof(listPath));
            if (numClasses is < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            var entries = new List<ImageListEntry>();
            var problems = new List<ImageListProblem>();
            var lineNumber = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                var text = line.AsSpan().Trim();
                if (text.IsEmpty) continue;
                var error = TryParseLine(text, numClasses, out var path, out var label);
                if (error is null)
                {
                    entries.Add(new ImageListEntry(path!, label, lineNumber));
                }
                else if (policy == InvalidEntryPolicy.Skip)
                {
                    problems.Add(new ImageListProblem(listPath, lineNumber, error));
                }
                else
                {
                    throw new ImageListException(listPath, lineNumber, error);
                }
            }
            if (entries.Count == 0)
                throw new ImageListException(listPath, 0, problems.Count == 0
                    ? "the list has no entries; expected lines of the form 'relative/path.jpg label'."
                    : $"none of its {problems.Count} lines is valid; the first problem is at line {problems[0].LineNumber}: {problems[0].Reason}");
            return new ImageListFile(listPath, entries, problems);
        }

        private static string? TryParseLine(ReadOnlySpan<char> text, int? numClasses, out string? path, out int label)
        {
            path = null;
            label = -1;
            var split = text.LastIndexOfAny(' ', '\t');
            if (split < 0)
                return $"expected 'relative/path.jpg label' but found '{text.ToString()}' (no label).";
            var pathPart = text[..split].TrimEnd();
            var labelPart = text[(split + 1)..];
            if (!int.TryParse(labelPart, NumberStyles.None, CultureInfo.InvariantCulture, out label))
                return $"the label '{labelPart.ToString()}' is not a non-negative integer.";
            if (numClasses is int c && label >= c)
                return $"the label {label} is out of range [0, {c}).";
            var candidate = pathPart.ToString();
            if (Path.IsPathRooted(candidate) || candidate.StartsWith('/') || candidate.StartsWith('\\'))
                return $"the image path '{candidate}' must be relative to the image root.";
            foreach (var segment in candidate.Split('/', '\\'))
            {
                if (segment == "..")
                    return $"the image path '{candidate}' leaves the image root ('..'); paths must stay under it.";
            }
            path = candidate;
            return null;
        }
    }
}
