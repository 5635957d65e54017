using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Data
{
    /// <summary>What a dataset provider hands the training loop: the (long-tailed) training set and the test set.</summary>
    public sealed class DatasetSplits
    {
        /// <summary>Bundles the splits and computes the training class counts.</summary>
        /// <param name="id">Identifier written to results, e.g. <c>fashion-mnist-lt</c>.</param>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="train">The training set (already long-tailed where the recipe asks for it).</param>
        /// <param name="test">The evaluation set.</param>
        /// <param name="classNames">Optional class names, C of them.</param>
        /// <param name="trainPixelCounts">For dense (segmentation) sets: the number of training pixels of every class
        /// (ignored pixels not counted), the counts a global-count loss and the shot groups use; null for classification.</param>
        /// <exception cref="ArgumentNullException">A set is null.</exception>
        /// <exception cref="ArgumentException">A label lies outside [0, C), the sample or target shapes differ, the names
        /// are not C, or the pixel counts are given for a set without dense targets (or are not C non-negative counts).</exception>
        public DatasetSplits(string id, int numClasses, ISampleSource train, ISampleSource test, IReadOnlyList<string>? classNames = null,
            IReadOnlyList<long>? trainPixelCounts = null)
        {
            ArgumentNullException.ThrowIfNull(train);
            ArgumentNullException.ThrowIfNull(test);
            if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "At least 2 classes are needed.");
            if (!train.SampleShape.SequenceEqual(test.SampleShape))
                throw new ArgumentException("Training and test samples have different shapes.", nameof(test));
            foreach (var (set, name) in new[] { (train, nameof(train)), (test, nameof(test)) })
                foreach (var label in set.Labels)
                    if (label < 0 || label >= numClasses)
                        throw new ArgumentException($"The {name} set has label {label}, outside [0, {numClasses}).", name);
            if (!train.TargetShape.SequenceEqual(test.TargetShape))
                throw new ArgumentException("Training and test targets have different shapes (dense targets on one side only?).", nameof(test));
            if (trainPixelCounts is not null && (train.TargetShape.Count == 0 || trainPixelCounts.Count != numClasses || trainPixelCounts.Any(c => c < 0)))
                throw new ArgumentException($"Pixel counts go with dense targets: {numClasses} non-negative counts for a set whose TargetShape is not empty.", nameof(trainPixelCounts));
            if (train.TargetShape.Count > 0 && trainPixelCounts is null)
                throw new ArgumentException("A set with dense targets needs its training pixel counts.", nameof(trainPixelCounts));
            TrainPixelCounts = trainPixelCounts?.ToArray();
            if (classNames is not null && classNames.Count != numClasses)
                throw new ArgumentException($"{classNames.Count} class names for {numClasses} classes.", nameof(classNames));
            Id = id;
            NumClasses = numClasses;
            Train = train;
            Test = test;
            ClassNames = classNames ?? Enumerable.Range(0, numClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            TrainClassCounts = Arbloss.Losses.LongTail.ClassFrequency.Count(train.Labels, numClasses);
        }

        /// <summary>Identifier written to results, e.g. <c>fashion-mnist-lt</c>.</summary>
        public string Id { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The training set.</summary>
        public ISampleSource Train { get; }

        /// <summary>The evaluation set.</summary>
        public ISampleSource Test { get; }

        /// <summary>Class names (the indices as text when the dataset has none).</summary>
        public IReadOnlyList<string> ClassNames { get; }

        /// <summary>Number of training pixels (dense target positions, ignored ones not counted) of each class; null for
        /// classification sets.</summary>
        public IReadOnlyList<long>? TrainPixelCounts { get; }

        /// <summary>Whether the sets have dense targets (segmentation masks) rather than one label per sample.</summary>
        public bool IsDense => Train.TargetShape.Count > 0;

        /// <summary>Number of training samples of each class.</summary>
        public IReadOnlyList<long> TrainClassCounts { get; }
    }
}
