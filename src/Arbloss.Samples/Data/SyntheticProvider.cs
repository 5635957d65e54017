using System;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// A built-in long-tailed benchmark that needs no files: overlapping Gaussian-mixture classes in 32 dimensions
    /// (each class two unit-variance components around random centres), a balanced pool of
    /// <see cref="PoolPerClass"/> training vectors per class cut to the config's long-tailed profile, and a balanced
    /// test set of <see cref="TestPerClass"/> per class. The data depend only on the number of classes, never on
    /// the run's seed, so every run and machine sees the same benchmark.
    /// </summary>
    public sealed class SyntheticProvider : IDatasetProvider
    {
        /// <summary>Dimension of the vectors.</summary>
        public const int Dimension = 32;

        /// <summary>Training vectors per class before the long-tailed cut.</summary>
        public const int PoolPerClass = 1000;

        /// <summary>Test vectors per class.</summary>
        public const int TestPerClass = 500;

        /// <summary>Scale of the component centres relative to the unit noise; smaller means more overlap.</summary>
        public const double Separation = 0.7;

        private const int DataSeed = 20230527;

        /// <inheritdoc />
        public string Name => "synthetic";

        /// <inheritdoc />
        public string Description => "built-in Gaussian-mixture benchmark, 32-dimensional vectors, any number of classes; no files needed";

        /// <inheritdoc />
        public int DefaultNumClasses => 10;

        /// <inheritdoc />
        public int? FixedNumClasses => null;

        /// <inheritdoc />
        public string DefaultBackbone => "mlp";

        /// <inheritdoc />
        public DatasetSplits Load(TrainingConfig config, DataContext context)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(context);
            int classes = config.NumClasses;
            var rng = new Random(DataSeed + classes);
            const int components = 2;
            var centres = new double[classes, components, Dimension];
            for (int c = 0; c < classes; c++)
                for (int k = 0; k < components; k++)
                    for (int d = 0; d < Dimension; d++)
                        centres[c, k, d] = Separation * Gaussian(rng);
            var train = Generate(centres, PoolPerClass, rng);
            var test = Generate(centres, TestPerClass, rng);
            var subset = LongTailSubsets.Apply(train, config);
            return new DatasetSplits(LongTailSubsets.DatasetId(Name, config), classes, subset, test);
        }

        private static DenseVectorSource Generate(double[,,] centres, int perClass, Random rng)
        {
            int classes = centres.GetLength(0), components = centres.GetLength(1);
            var values = new float[(long)classes * perClass * Dimension];
            var labels = new long[classes * perClass];
            int row = 0;
            for (int c = 0; c < classes; c++)
            {
                for (int i = 0; i < perClass; i++, row++)
                {
                    int k = rng.Next(components);
                    for (int d = 0; d < Dimension; d++)
                        values[row * Dimension + d] = (float)(centres[c, k, d] + Gaussian(rng));
                    labels[row] = c;
                }
            }
            return new DenseVectorSource(values, labels, Dimension);
        }

        private static double Gaussian(Random rng)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
