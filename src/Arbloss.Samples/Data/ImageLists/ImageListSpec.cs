using System;
using System.Collections.Generic;

namespace Arbloss.Samples.Data.ImageLists
{
    /// <summary>
    /// The standard list files and class count of one long-tailed benchmark. The list files sit under the data root;
    /// the image paths inside them are relative to the image root (by default the data root as well).
    /// </summary>
    /// <param name="Name">Display name, e.g. <c>ImageNet-LT</c>.</param>
    /// <param name="TrainList">File name of the training list, e.g. <c>ImageNet_LT_train.txt</c>.</param>
    /// <param name="TestList">File name of the evaluation list, e.g. <c>ImageNet_LT_test.txt</c>.</param>
    /// <param name="NumClasses">Number of classes; labels must lie in [0, NumClasses).</param>
    public sealed record ImageListSpec(string Name, string TrainList, string TestList, int NumClasses)
    {
        /// <summary>Where the authors' code reads the two list files when they are not in the data root: a folder
        /// relative to the working directory (their <c>datasets/*.py</c> hard-code it), or null when their code reads
        /// the lists from the data root only.</summary>
        public string? AuthorsListFolder { get; init; }

        /// <summary>ImageNet-LT: 1000 classes, <c>ImageNet_LT_train.txt</c> / <c>ImageNet_LT_test.txt</c>.</summary>
        public static ImageListSpec ImageNetLT { get; } = new("ImageNet-LT", "ImageNet_LT_train.txt", "ImageNet_LT_test.txt", 1000);

        /// <summary>Places-LT: 365 classes, <c>Places_LT_train.txt</c> / <c>Places_LT_test.txt</c>.</summary>
        public static ImageListSpec PlacesLT { get; } = new("Places-LT", "Places_LT_train.txt", "Places_LT_test.txt", 365)
        {
            AuthorsListFolder = "./data/Places/Places-LT",
        };

        /// <summary>iNaturalist 2018: 8142 classes, <c>iNaturalist18_train.txt</c> / <c>iNaturalist18_val.txt</c>.</summary>
        public static ImageListSpec INaturalist2018 { get; } = new("iNaturalist 2018", "iNaturalist18_train.txt", "iNaturalist18_val.txt", 8142)
        {
            AuthorsListFolder = "./data/iNaturelist2018", // sic: the authors' spelling
        };

        /// <summary>The three benchmarks above.</summary>
        public static IReadOnlyList<ImageListSpec> All { get; } = new[] { ImageNetLT, PlacesLT, INaturalist2018 };

        /// <summary>
        /// Finds a benchmark by name, ignoring case, '-', '_' and spaces: <c>imagenet-lt</c>, <c>places-lt</c>,
        /// <c>inaturalist2018</c> (also <c>inat2018</c>, <c>inaturalist18</c>).
        /// </summary>
        /// <param name="name">The name to look up.</param>
        /// <returns>The matching spec.</returns>
        /// <exception cref="ArgumentException">The name is empty or unknown; the message lists the known names.</exception>
        public static ImageListSpec FromName(string name)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("The dataset name must not be empty.", nameof(name));
            var key = name.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal)
                .Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            return key switch
            {
                "imagenetlt" => ImageNetLT,
                "placeslt" => PlacesLT,
                "inaturalist2018" or "inaturalist18" or "inat2018" or "inat18" => INaturalist2018,
                _ => throw new ArgumentException($"Unknown dataset '{name}'; use imagenet-lt, places-lt or inaturalist2018.", nameof(name)),
            };
        }
    }
}
