using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses.Sampling;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// The order in which a run visits its training samples each epoch (<c>sampler:</c>). <c>instance</c> is the
    /// authors' plain shuffling: every sample once per epoch, in a random order seeded by the run seed and epoch.
    /// The others are the package's re-balancing samplers (class-aware: reshuffled passes through each class;
    /// class-weighted and progressive: draws with replacement), seeded by the run seed and set to the epoch.
    /// </summary>
    public static class SamplerFactory
    {
        private static readonly Dictionary<string, (string Description, Func<IReadOnlyList<long>, TrainingConfig, int, EpochSampler> Build)> Balanced = new(StringComparer.Ordinal)
        {
            ["class_aware"] = ("class-aware sampling: cycle through classes, 4 samples per visit", (labels, _, seed) => new ClassAwareSampler(labels, 4, seed)),
            ["square_root"] = ("classes drawn with probability proportional to sqrt(count)", (labels, _, seed) => ClassWeightedSampler.SquareRootFrequency(labels, seed: seed)),
            ["class_balanced"] = ("classes drawn uniformly (inverse-frequency weights)", (labels, _, seed) => ClassWeightedSampler.InverseFrequency(labels, seed: seed)),
            ["progressive"] = ("progressively balanced: from instance to class-balanced over the run", (labels, config, seed) => new ProgressivelyBalancedSampler(labels, config.NumEpochs, seed: seed)),
        };

        /// <summary>The sampler names a config may use.</summary>
        public static IReadOnlyList<string> Names { get; } = new[] { "instance" }.Concat(Balanced.Keys).ToArray();

        /// <summary>One line per sampler.</summary>
        /// <returns>The lines.</returns>
        public static IEnumerable<string> Describe() =>
            new[] { "instance: every sample once per epoch, shuffled (the authors' recipe)" }.Concat(Balanced.Select(b => $"{b.Key}: {b.Value.Description}"));

        /// <summary>The sample indices of one epoch.</summary>
        /// <param name="config">Supplies sampler, seed and num_epochs.</param>
        /// <param name="labels">Training labels.</param>
        /// <param name="epoch">Epoch, from 0.</param>
        /// <returns>Indices into the training set, in visiting order.</returns>
        /// <exception cref="ArgumentException">The sampler name is unknown.</exception>
        public static int[] EpochOrder(TrainingConfig config, IReadOnlyList<long> labels, int epoch)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(labels);
            if (config.Sampler == "instance")
            {
                var order = Enumerable.Range(0, labels.Count).ToArray();
                new Random(Seeds.Derive(config.Seed, epoch, Seeds.Purpose.Order)).Shuffle(order);
                return order;
            }
            if (!Balanced.TryGetValue(config.Sampler, out var entry))
                throw new ArgumentException($"Unknown sampler '{config.Sampler}'; known: {string.Join(", ", Names)}.", nameof(config));
            var sampler = entry.Build(labels, config, (int)(config.Seed & 0x7FFFFFFF));
            sampler.SetEpoch(epoch);
            return sampler.Select(i => (int)i).ToArray();
        }
    }
}
