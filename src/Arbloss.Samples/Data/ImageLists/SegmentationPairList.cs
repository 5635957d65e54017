using System;
using System.Collections.Generic;
using System.IO;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// A list file of image / label-mask pairs, the layout of Cityscapes- and ADE20K-style segmentation data as most
    /// training code reads it: one pair per line, <c>IMAGE_PATH MASK_PATH</c> separated by whitespace, both relative to
    /// a root folder (e.g. <c>leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png
    /// gtFine/train/aachen/aachen_000000_000019_gtFine_labelTrainIds.png</c>). Blank lines and lines starting with
    /// <c>#</c> are skipped. The masks are 8-bit grayscale PNGs read by <see cref="MaskDecoder"/>.
    /// </summary>
    public sealed class SegmentationPairList
    {
        private SegmentationPairList(string listPath, string root, IReadOnlyList<(string Image, string Mask, int Line)> pairs)
        {
            ListPath = listPath;
            Root = root;
            Pairs = pairs;
        }

        /// <summary>The list file.</summary>
        public string ListPath { get; }

        /// <summary>The folder the paths are relative to.</summary>
        public string Root { get; }

        /// <summary>The pairs, as written (relative paths), with their line numbers.</summary>
        public IReadOnlyList<(string Image, string Mask, int Line)> Pairs { get; }

        /// <summary>Number of pairs.</summary>
        public int Count => Pairs.Count;

        /// <summary>The full path of pair <paramref name="index"/>'s image.</summary>
        /// <param name="index">Pair index.</param>
        /// <returns>The path under <see cref="Root"/>.</returns>
        public string ImagePath(int index) => Path.Combine(Root, Pairs[index].Image);

        /// <summary>The full path of pair <paramref name="index"/>'s mask.</summary>
        /// <param name="index">Pair index.</param>
        /// <returns>The path under <see cref="Root"/>.</returns>
        public string MaskPath(int index) => Path.Combine(Root, Pairs[index].Mask);

        /// <summary>Reads a list file and checks that every listed file exists.</summary>
        /// <param name="listPath">The list file.</param>
        /// <param name="root">The folder the listed paths are relative to.</param>
        /// <returns>The list.</returns>
        /// <exception cref="ArgumentException">A path is null or empty.</exception>
        /// <exception cref="FileNotFoundException">The list file does not exist.</exception>
        /// <exception cref="ImageListException">A line does not hold exactly two paths, a listed file is missing, or the
        /// list is empty; the message names the list file and line.</exception>
        public static SegmentationPairList Read(string listPath, string root)
        {
            if (string.IsNullOrEmpty(listPath)) throw new ArgumentException("The list path must not be empty.", nameof(listPath));
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("The root folder must not be empty.", nameof(root));
            if (!File.Exists(listPath)) throw new FileNotFoundException($"Segmentation list '{listPath}' does not exist.", listPath);
            var pairs = new List<(string, string, int)>();
            int lineNumber = 0;
            foreach (var raw in File.ReadLines(listPath))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length != 2)
                    throw new ImageListException(listPath, lineNumber, $"expected 'IMAGE_PATH MASK_PATH', got {fields.Length} field{(fields.Length == 1 ? "" : "s")}");
                foreach (var (what, relative) in new[] { ("image", fields[0]), ("mask", fields[1]) })
                    if (!File.Exists(Path.Combine(root, relative)))
                        throw new ImageListException(listPath, lineNumber, $"the {what} '{relative}' does not exist under '{root}'");
                pairs.Add((fields[0], fields[1], lineNumber));
            }
            if (pairs.Count == 0) throw new ImageListException(listPath, lineNumber, "the list holds no image / mask pair");
            return new SegmentationPairList(listPath, root, pairs);
        }
    }
}
