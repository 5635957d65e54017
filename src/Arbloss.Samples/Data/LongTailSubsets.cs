using System;
using System.Linq;
using Arbloss.Losses.LongTail;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Cuts a balanced training set to the config's long-tailed profile with the package's
    /// <see cref="LongTailProfile"/> (<c>imb_profile</c>, <c>imb_factor</c>; the largest class keeps the size of the
    /// largest available class) and <see cref="LongTailSubset"/> (a seeded random choice within each class, from
    /// <c>seed</c>). The test set is never cut.
    /// </summary>
    public static class LongTailSubsets
    {
        /// <summary>The long-tailed subset of <paramref name="train"/> as the authors build it (their
        /// <c>gen_imbalanced_data</c>: class by class, each class's indices in numpy's shuffled order, see
        /// <see cref="LongTailSubset.Select"/>), or <paramref name="train"/> itself when <c>imb_factor</c> is null.</summary>
        /// <param name="train">The full training set.</param>
        /// <param name="config">Supplies imb_factor, imb_profile, num_classes and seed.</param>
        /// <returns>The subset.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The training set is empty.</exception>
        public static ISampleSource Apply(ISampleSource train, TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(train);
            ArgumentNullException.ThrowIfNull(config);
            if (config.ImbFactor is not double imbFactor) return train;
            var available = ClassFrequency.Count(train.Labels, config.NumClasses);
            long max = available.Max();
            if (max == 0) throw new ArgumentException("The training set is empty.", nameof(train));
            var targets = TargetCounts(config.NumClasses, max, imbFactor, config.ImbProfile);
            // A class smaller than its target keeps all it has (e.g. a dataset that is already imbalanced).
            var counts = targets.Zip(available, Math.Min).ToArray();
            var indices = LongTailSubset.Select(train.Labels, counts, checked((int)config.Seed));
            return new SubsetSource(train, indices);
        }

        /// <summary>Per-class counts of a profile.</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="maxCount">Count of the largest class.</param>
        /// <param name="imbFactor">Smallest over largest count, in (0, 1].</param>
        /// <param name="profile"><c>exp</c>, <c>step</c> or <c>uniform</c>.</param>
        /// <returns>C counts.</returns>
        /// <exception cref="ArgumentException">The profile name is unknown.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
        public static long[] TargetCounts(int numClasses, long maxCount, double imbFactor, string profile) =>
            LongTailProfile.Create(LongTailProfile.ParseType(profile), numClasses, maxCount, imbFactor);

        /// <summary>The dataset identifier written to results: the name with <c>-lt</c> when the training set is long-tailed.</summary>
        /// <param name="name">The dataset name.</param>
        /// <param name="config">Supplies imb_factor and imb_profile.</param>
        /// <returns>E.g. <c>fashion-mnist-lt</c>.</returns>
        public static string DatasetId(string name, TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            return config.ImbFactor is < 1 && config.ImbProfile != "uniform" ? name + "-lt" : name;
        }
    }
}
