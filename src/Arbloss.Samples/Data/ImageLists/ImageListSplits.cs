using System;
using System.Collections.Generic;
using System.IO;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// The training and test splits of a list-file dataset with one shared <see cref="ClassFrequencyMap"/>, built from
    /// the training labels (descending frequency) and applied to both lists.
    /// </summary>
    public sealed class ImageListSplits
    {
        private ImageListSplits(ImageListDataset train, ImageListDataset test)
        {
            Train = train;
            Test = test;
        }

        /// <summary>The training split (re-mapped labels).</summary>
        public ImageListDataset Train { get; }

        /// <summary>The test (or validation) split (same map).</summary>
        public ImageListDataset Test { get; }

        /// <summary>The shared label map.</summary>
        public ClassFrequencyMap ClassMap => Train.ClassMap;

        /// <summary>Number of classes C.</summary>
        public int NumClasses => ClassMap.NumClasses;

        /// <summary>Training count of each new class (non-increasing): the global counts for ARB-Loss.</summary>
        public IReadOnlyList<long> TrainClassCounts => ClassMap.ClassCounts;

        /// <summary>All entries left out under <see cref="InvalidEntryPolicy.Skip"/>, training list first.</summary>
        public IReadOnlyList<ImageListProblem> Problems
        {
            get
            {
                var all = new List<ImageListProblem>(Train.Problems);
                all.AddRange(Test.Problems);
                return all;
            }
        }

        /// <summary>Loads a known benchmark: its list files from <paramref name="dataRoot"/>, its images from
        /// <see cref="ImageListOptions.ImageRoot"/> (default: <paramref name="dataRoot"/>).</summary>
        /// <param name="spec">The benchmark (<see cref="ImageListSpec.ImageNetLT"/>, ...).</param>
        /// <param name="dataRoot">Folder holding the list files.</param>
        /// <param name="options">Policy for bad entries, file checks and image root; null for defaults.</param>
        /// <returns>Both splits.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> or <paramref name="dataRoot"/> is null.</exception>
        /// <exception cref="DirectoryNotFoundException">The data root or image root does not exist.</exception>
        /// <exception cref="FileNotFoundException">A list file does not exist.</exception>
        /// <exception cref="ImageListException">A bad line, label out of range or missing image (message names file and line).</exception>
        public static ImageListSplits Load(ImageListSpec spec, string dataRoot, ImageListOptions? options = null)
        {
            if (spec is null) throw new ArgumentNullException(nameof(spec));
            if (dataRoot is null) throw new ArgumentNullException(nameof(dataRoot));
            if (!Directory.Exists(dataRoot))
                throw new DirectoryNotFoundException($"Data root '{dataRoot}' does not exist; it must hold {spec.TrainList} and {spec.TestList}.");
            return Load(Path.Combine(dataRoot, spec.TrainList), Path.Combine(dataRoot, spec.TestList),
                options?.ImageRoot ?? dataRoot, spec.NumClasses, options);
        }

        /// <summary>Loads any pair of list files.</summary>
        /// <param name="trainListPath">Training list file.</param>
        /// <param name="testListPath">Test list file.</param>
        /// <param name="imageRoot">Folder the image paths are relative to.</param>
        /// <param name="numClasses">Number of classes; null means the largest training label + 1.</param>
        /// <param name="options">Policy for bad entries and file checks (its <see cref="ImageListOptions.ImageRoot"/> is ignored here); null for defaults.</param>
        /// <returns>Both splits.</returns>
        /// <exception cref="ArgumentException">A path is null or empty, or <paramref name="numClasses"/> is less than 1.</exception>
        /// <exception cref="DirectoryNotFoundException">The image root does not exist.</exception>
        /// <exception cref="FileNotFoundException">A list file does not exist.</exception>
        /// <exception cref="ImageListException">A bad line, label out of range or missing image (message names file and line).</exception>
        public static ImageListSplits Load(string trainListPath, string testListPath, string imageRoot, int? numClasses = null, ImageListOptions? options = null)
        {
            if (string.IsNullOrEmpty(imageRoot)) throw new ArgumentException("The image root must not be empty.", nameof(imageRoot));
            options ??= new ImageListOptions();
            var trainList = ImageListFile.Read(trainListPath, options.Policy, numClasses);
            var range = numClasses ?? MaxLabel(trainList) + 1;
            // Count only the training entries that will really be used: missing images are dropped before counting.
            var (kept, problems) = ImageListDataset.Filter(trainList, imageRoot, range, options);
            var labels = new int[kept.Count];
            for (var i = 0; i < labels.Length; i++) labels[i] = kept[i].Label;
            var map = ClassFrequencyMap.FromTrainingLabels(labels, range);
            var train = ImageListDataset.Create(trainList.ListPath, imageRoot, kept, map, problems);
            var testList = ImageListFile.Read(testListPath, options.Policy, map.NumClasses);
            var test = ImageListDataset.FromList(testList, imageRoot, map, options);
            return new ImageListSplits(train, test);
        }

        private static int MaxLabel(ImageListFile list)
        {
            var max = 0;
            foreach (var entry in list.Entries) max = Math.Max(max, entry.Label);
            return max;
        }
    }
}
