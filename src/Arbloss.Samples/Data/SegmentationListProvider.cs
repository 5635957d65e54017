using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data.ImageLists;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Real segmentation data in the Cityscapes / ADE20K layout (<c>dataset: seg-list</c>): <c>data_path</c> holds the
    /// list files <see cref="TrainList"/> and <see cref="TestList"/>, one <c>IMAGE MASK</c> pair per line
    /// (<see cref="SegmentationPairList"/>), with paths relative to <c>image_root</c> (default: <c>data_path</c>); masks
    /// are 8-bit grayscale PNGs of class indices with 255 = ignore (Cityscapes' <c>*_labelTrainIds.png</c>).
    /// <c>num_classes</c> (default 19, Cityscapes' train ids) gives C; <c>image_size</c> (default <see cref="DefaultSize"/>)
    /// the side of the square every pair is brought to (<see cref="SegmentationListSource"/>). Nothing is downloaded.
    /// </summary>
    public sealed class SegmentationListProvider : IDatasetProvider
    {
        /// <summary>The training list's file name.</summary>
        public const string TrainList = "train.txt";

        /// <summary>The evaluation list's file name.</summary>
        public const string TestList = "val.txt";

        /// <summary>Side of the samples when a config has no <c>image_size</c>.</summary>
        public const int DefaultSize = 256;

        /// <inheritdoc />
        public string Name => "seg-list";

        /// <inheritdoc />
        public string Description => $"segmentation data from list files (Cityscapes / ADE20K layout): data_path holds {TrainList} and {TestList} of 'IMAGE MASK' lines relative to image_root, masks 8-bit grayscale PNG class ids with 255 = ignore";

        /// <inheritdoc />
        public int DefaultNumClasses => 19;

        /// <inheritdoc />
        public int? FixedNumClasses => null;

        /// <inheritdoc />
        public string DefaultBackbone => "seg_fcn";

        /// <inheritdoc />
        public bool IsSegmentation => true;

        /// <inheritdoc />
        /// <exception cref="ImageListException">A list line is malformed, a listed file is missing, or a mask holds a value
        /// that is neither a class nor 255.</exception>
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            var root = config.DataPath;
            if (string.IsNullOrWhiteSpace(root))
                throw new DatasetUnavailableException($"seg-list cannot be downloaded: set data_path (e.g. --set data_path=/data/cityscapes) to the folder holding {TrainList} and {TestList}.");
            foreach (var list in new[] { TrainList, TestList })
                if (!File.Exists(Path.Combine(root, list)))
                    throw new DatasetUnavailableException($"seg-list: {list} not found in '{root}'; put the lists of 'IMAGE MASK' pairs ({TrainList}, {TestList}) in data_path.");
            var imageRoot = string.IsNullOrWhiteSpace(config.ImageRoot) ? root : config.ImageRoot;
            if (!Directory.Exists(imageRoot))
                throw new DatasetUnavailableException($"seg-list: the image folder '{imageRoot}' does not exist; set image_root to the folder the lists' paths are relative to.");
            int size = config.ImageSize > 0 ? config.ImageSize : DefaultSize;
            var train = new SegmentationListSource(SegmentationPairList.Read(Path.Combine(root, TrainList), imageRoot), config.NumClasses, size, augment: true);
            var test = new SegmentationListSource(SegmentationPairList.Read(Path.Combine(root, TestList), imageRoot), config.NumClasses, size, augment: false);
            context.Log.WriteLine($"seg-list: {train.Count} training and {test.Count} test pairs from {root}, images under {imageRoot}, {size} px");
            var names = Enumerable.Range(0, config.NumClasses).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray();
            return new DatasetSplits(Name, config.NumClasses, train, test, names, train.PixelCounts);
        }
    }
}
