using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// The datasets a config's <c>dataset:</c> key can name. Holds the built-in providers (Fashion-MNIST, CIFAR-10,
    /// CIFAR-100, synthetic, the list-file benchmarks ImageNet-LT, iNaturalist 2018, Places-LT, and the segmentation sets synthetic-seg and seg-list); <see cref="Register"/> adds or replaces one. Names are matched after
    /// <see cref="Canonical"/> folds common spellings (<c>fmnist</c>, <c>cifar-10</c> ...).
    /// </summary>
    public static class DatasetRegistry
    {
        private static readonly object Gate = new();
        private static readonly List<IDatasetProvider> Providers = new()
        {
            new FashionMnistProvider(),
            new CifarProvider(hundred: false),
            new CifarProvider(hundred: true),
            new SyntheticProvider(),
            ImageListProvider.ImageNetLT,
            ImageListProvider.INaturalist2018,
            ImageListProvider.PlacesLT,
            new SyntheticSegProvider(),
            new SegmentationListProvider(),
        };

        private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
        {
            ["fmnist"] = "fashion-mnist",
            ["fashion_mnist"] = "fashion-mnist",
            ["fashionmnist"] = "fashion-mnist",
            ["fashion-mnist-lt"] = "fashion-mnist",
            ["cifar-10"] = "cifar10",
            ["cifar_10"] = "cifar10",
            ["cifar10-lt"] = "cifar10",
            ["cifar-100"] = "cifar100",
            ["cifar_100"] = "cifar100",
            ["cifar100-lt"] = "cifar100",
            ["imagenet"] = "imagenet-lt", // the authors' dataset names
            ["ina2018"] = "inaturalist2018",
            ["places"] = "places-lt",
            ["imagenet_lt"] = "imagenet-lt",
            ["imagenetlt"] = "imagenet-lt",
            ["inaturalist"] = "inaturalist2018",
            ["inaturalist18"] = "inaturalist2018",
            ["inat2018"] = "inaturalist2018",
            ["inat18"] = "inaturalist2018",
            ["places_lt"] = "places-lt",
            ["placeslt"] = "places-lt",
            ["synthetic_seg"] = "synthetic-seg",
            ["seg_list"] = "seg-list",
        };

        /// <summary>The registered names.</summary>
        public static IReadOnlyList<string> Names
        {
            get
            {
                lock (Gate) return Providers.Select(p => p.Name).ToArray();
            }
        }

        /// <summary>The registered providers.</summary>
        public static IReadOnlyList<IDatasetProvider> All
        {
            get
            {
                lock (Gate) return Providers.ToArray();
            }
        }

        /// <summary>Folds common spellings to the registered name (case-insensitive), e.g. <c>FMNIST</c> to <c>fashion-mnist</c>.</summary>
        /// <param name="name">A dataset name.</param>
        /// <returns>The canonical name, or the trimmed input when no alias matches.</returns>
        public static string Canonical(string name)
        {
            var trimmed = (name ?? "").Trim();
            if (Aliases.TryGetValue(trimmed, out var canonical)) return canonical;
            lock (Gate)
            {
                var match = Providers.FirstOrDefault(p => string.Equals(p.Name, trimmed, StringComparison.OrdinalIgnoreCase));
                return match?.Name ?? trimmed;
            }
        }

        /// <summary>Finds a provider by name or alias.</summary>
        /// <param name="name">A dataset name.</param>
        /// <param name="provider">The provider, when found.</param>
        /// <returns>Whether one was found.</returns>
        public static bool TryGet(string name, out IDatasetProvider provider)
        {
            var canonical = Canonical(name);
            lock (Gate)
            {
                provider = Providers.FirstOrDefault(p => p.Name == canonical)!;
                return provider is not null;
            }
        }

        /// <summary>Finds a provider by name or alias.</summary>
        /// <param name="name">A dataset name.</param>
        /// <returns>The provider.</returns>
        /// <exception cref="ArgumentException">No provider has that name.</exception>
        public static IDatasetProvider Get(string name) =>
            TryGet(name, out var provider) ? provider : throw new ArgumentException($"Unknown dataset '{name}'; known: {string.Join(", ", Names)}.", nameof(name));

        /// <summary>Adds a provider, replacing one with the same name.</summary>
        /// <param name="provider">The provider.</param>
        /// <exception cref="ArgumentNullException"><paramref name="provider"/> is null.</exception>
        public static void Register(IDatasetProvider provider)
        {
            ArgumentNullException.ThrowIfNull(provider);
            lock (Gate)
            {
                Providers.RemoveAll(p => p.Name == provider.Name);
                Providers.Add(provider);
            }
        }
    }
}
