using System;
using System.Linq;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// The built-in long-tailed segmentation benchmark <c>synthetic-seg</c>: scenes of <see cref="SyntheticScenes"/>
    /// (10 classes whose pixel frequencies span about 100:1) at <c>image_size</c> px (default <see cref="DefaultSize"/>),
    /// <c>train_scenes</c> training scenes (default <see cref="DefaultTrainScenes"/>, flipped at random when training) and
    /// <c>test_scenes</c> test scenes (default <see cref="DefaultTestScenes"/>) from a disjoint index range. The scenes
    /// depend only on <see cref="DataSeed"/>, never on the run's seed, so every run sees the same benchmark. The test
    /// set is as long-tailed as the training set (as real segmentation data are): its mIoU weights every class alike.
    /// </summary>
    public sealed class SyntheticSegProvider : IDatasetProvider
    {
        /// <summary>Default side of the scenes in pixels.</summary>
        public const int DefaultSize = 48;

        /// <summary>Default number of training scenes.</summary>
        public const int DefaultTrainScenes = 3000;

        /// <summary>Default number of test scenes.</summary>
        public const int DefaultTestScenes = 500;

        /// <summary>The seed of the scenes.</summary>
        public const long DataSeed = 20230611;

        // Test scenes start here, far past any training range a config may ask for (at most 2^22 scenes).
        private const int TestOffset = 1 << 23;

        /// <inheritdoc />
        public string Name => "synthetic-seg";

        /// <inheritdoc />
        public string Description => $"built-in segmentation scenes, 10 classes spanning about 100:1 in pixel frequency, {DefaultSize} px, {DefaultTrainScenes} training / {DefaultTestScenes} test scenes (train_scenes, test_scenes, image_size); no files needed";

        /// <inheritdoc />
        public int DefaultNumClasses => SyntheticScenes.NumClasses;

        /// <inheritdoc />
        public int? FixedNumClasses => SyntheticScenes.NumClasses;

        /// <inheritdoc />
        public string DefaultBackbone => "seg_fcn";

        /// <inheritdoc />
        public bool IsSegmentation => true;

        /// <inheritdoc />
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            int size = config.ImageSize > 0 ? config.ImageSize : DefaultSize;
            if (size < 16) throw new ConfigException("image_size", $"{config.WhereOf("image_size")}: synthetic-seg scenes are at least 16 px wide; 'image_size' is {size}.");
            int trainScenes = config.TrainScenes > 0 ? config.TrainScenes : DefaultTrainScenes;
            int testScenes = config.TestScenes > 0 ? config.TestScenes : DefaultTestScenes;
            var train = new SyntheticSegSource(DataSeed, 0, trainScenes, size, augment: true);
            var test = new SyntheticSegSource(DataSeed, TestOffset, testScenes, size, augment: false);
            var names = new[] { "background" }.Concat(Enumerable.Range(1, SyntheticScenes.NumClasses - 1).Select(c => $"object{c}")).ToArray();
            context.Log.WriteLine($"synthetic-seg: {trainScenes} training and {testScenes} test scenes of {size} px, training pixels per class {string.Join(", ", train.PixelCounts)}");
            return new DatasetSplits(Name, SyntheticScenes.NumClasses, train, test, names, train.PixelCounts);
        }
    }
}
