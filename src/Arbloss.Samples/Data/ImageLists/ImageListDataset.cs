using System;
using System.Collections.Generic;
using System.IO;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// One split of a list-file image dataset: the images a list file names, under an image root, with labels re-mapped
    /// by a <see cref="ClassFrequencyMap"/> (new label 0 = most frequent training class).
    /// Use <see cref="ImageListSplits.Load(ImageListSpec, string, ImageListOptions?)"/> to build the training and test splits together.
    /// </summary>
    public sealed class ImageListDataset
    {
        private readonly ImageListEntry[] _entries;
        private readonly int[] _labels;

        private ImageListDataset(string listPath, string imageRoot, ImageListEntry[] entries, ClassFrequencyMap classMap, List<ImageListProblem> problems)
        {
            ListPath = listPath;
            ImageRoot = imageRoot;
            _entries = entries;
            ClassMap = classMap;
            Problems = problems;
            _labels = new int[entries.Length];
            for (var i = 0; i < entries.Length; i++) _labels[i] = entries[i].Label;
        }

        /// <summary>
        /// Builds a split from a parsed list: checks labels against <paramref name="classMap"/>, optionally checks that
        /// each image exists, and re-maps labels.
        /// </summary>
        /// <param name="list">The parsed list file (original labels).</param>
        /// <param name="imageRoot">Folder the list's image paths are relative to.</param>
        /// <param name="classMap">The map built from the training labels.</param>
        /// <param name="options">Policy for bad entries and whether to check files; null for defaults.</param>
        /// <returns>The split, holding the kept entries with new labels.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="DirectoryNotFoundException"><paramref name="imageRoot"/> does not exist.</exception>
        /// <exception cref="ImageListException">Under <see cref="InvalidEntryPolicy.Throw"/>: a label outside the map or a missing image
        /// (message names file and line); under either policy: no entry is left.</exception>
        public static ImageListDataset FromList(ImageListFile list, string imageRoot, ClassFrequencyMap classMap, ImageListOptions? options = null)
        {
            if (list is null) throw new ArgumentNullException(nameof(list));
            if (imageRoot is null) throw new ArgumentNullException(nameof(imageRoot));
            if (classMap is null) throw new ArgumentNullException(nameof(classMap));
            var (kept, problems) = Filter(list, imageRoot, classMap.NumClasses, options ?? new ImageListOptions());
            return Create(list.ListPath, imageRoot, kept, classMap, problems);
        }

        /// <summary>Keeps the entries whose label lies in [0, numClasses) and (optionally) whose image exists; labels unchanged.</summary>
        internal static (List<ImageListEntry> Kept, List<ImageListProblem> Problems) Filter(ImageListFile list, string imageRoot, int numClasses, ImageListOptions options)
        {
            if (!Directory.Exists(imageRoot))
                throw new DirectoryNotFoundException($"Image root '{imageRoot}' does not exist; set the data root (or image root) to the folder the list's paths are relative to.");
            var problems = new List<ImageListProblem>(list.Problems);
            var kept = new List<ImageListEntry>(list.Entries.Count);
            foreach (var entry in list.Entries)
            {
                string? reason = null;
                if (entry.Label < 0 || entry.Label >= numClasses)
                    reason = $"the label {entry.Label} is out of range [0, {numClasses}) of the training classes.";
                else if (options.CheckImagesExist && !File.Exists(Path.Combine(imageRoot, entry.RelativePath)))
                    reason = $"the image '{entry.RelativePath}' does not exist under '{imageRoot}'.";
                if (reason is null)
                    kept.Add(entry);
                else if (options.Policy == InvalidEntryPolicy.Skip)
                    problems.Add(new ImageListProblem(list.ListPath, entry.LineNumber, reason));
                else
                    throw new ImageListException(list.ListPath, entry.LineNumber, reason);
            }
            if (kept.Count == 0)
                throw new ImageListException(list.ListPath, 0, $"no usable entry is left after skipping {problems.Count} bad ones; the first is at line {problems[0].LineNumber}: {problems[0].Reason}");
            return (kept, problems);
        }

        /// <summary>Builds a split from checked entries with original labels, re-mapping them with <paramref name="classMap"/>.</summary>
        internal static ImageListDataset Create(string listPath, string imageRoot, List<ImageListEntry> kept, ClassFrequencyMap classMap, List<ImageListProblem> problems)
        {
            var entries = new ImageListEntry[kept.Count];
            for (var i = 0; i < entries.Length; i++) entries[i] = kept[i] with { Label = classMap.ToNew(kept[i].Label) };
            return new ImageListDataset(listPath, imageRoot, entries, classMap, problems);
        }

        /// <summary>The list file this split came from.</summary>
        public string ListPath { get; }

        /// <summary>Folder the image paths are relative to.</summary>
        public string ImageRoot { get; }

        /// <summary>Number of images.</summary>
        public int Count => _entries.Length;

        /// <summary>The kept entries in list order, with re-mapped labels and their original line numbers.</summary>
        public IReadOnlyList<ImageListEntry> Entries => _entries;

        /// <summary>The re-mapped label of every image, in list order.</summary>
        public IReadOnlyList<int> Labels => _labels;

        /// <summary>The map from original to new labels (shared by the training and test splits).</summary>
        public ClassFrequencyMap ClassMap { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses => ClassMap.NumClasses;

        /// <summary>Entries left out under <see cref="InvalidEntryPolicy.Skip"/> (bad lines, labels out of range, missing images).</summary>
        public IReadOnlyList<ImageListProblem> Problems { get; }

        /// <summary>Full path of image <paramref name="index"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
        public string ImagePath(int index)
        {
            if ((uint)index >= (uint)_entries.Length)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The index must lie in [0, {Count}).");
            return Path.Combine(ImageRoot, _entries[index].RelativePath);
        }

        /// <summary>Number of images of each (new) class in this split.</summary>
        public long[] CountClasses()
        {
            var counts = new long[NumClasses];
            foreach (var label in _labels) counts[label]++;
            return counts;
        }
    }
}
