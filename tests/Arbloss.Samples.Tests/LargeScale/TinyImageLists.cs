using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Arbloss.Samples.Tests.Data.ImageLists;

namespace Arbloss.Samples.Tests.LargeScale
{
    /// <summary>Tiny datasets in the real layout of ImageNet-LT, iNaturalist 2018 and Places-LT: small JPEGs, the two list
    /// files with the real names and path styles, a handful of classes with long-tailed counts and real label values.</summary>
    internal static class TinyImageLists
    {
        /// <summary>Training images per populated class: long-tailed (8, 4, 2, 1).</summary>
        public static readonly int[] TrainCounts = { 8, 4, 2, 1 };

        /// <summary>Test images per populated class.</summary>
        public const int TestPerClass = 2;

        /// <summary>Writes the dataset; returns (data_path, image_root). With <paramref name="authorsLayout"/> the lists
        /// and the images share one folder, as the authors' code reads them (image paths relative to data_path).</summary>
        public static (string DataPath, string ImageRoot) Write(string dataset, string root, bool authorsLayout = false)
        {
            var dataPath = authorsLayout ? root : Path.Combine(root, "lists");
            var imageRoot = authorsLayout ? root : Path.Combine(root, "images");
            Directory.CreateDirectory(dataPath);
            var (trainList, testList, labels) = dataset switch
            {
                "imagenet-lt" => ("ImageNet_LT_train.txt", "ImageNet_LT_test.txt", new[] { 0, 3, 417, 999 }),
                "inaturalist2018" => ("iNaturalist18_train.txt", "iNaturalist18_val.txt", new[] { 0, 2500, 7477, 8141 }),
                "places-lt" => ("Places_LT_train.txt", "Places_LT_test.txt", new[] { 0, 41, 200, 364 }),
                _ => throw new ArgumentException(dataset, nameof(dataset)),
            };
            var train = new StringBuilder();
            var test = new StringBuilder();
            for (var c = 0; c < labels.Length; c++)
            {
                var label = labels[c];
                for (var i = 0; i < TrainCounts[c]; i++) train.Append(Image(dataset, imageRoot, label, i, training: true)).Append(' ').Append(label).Append('\n');
                for (var i = 0; i < TestPerClass; i++) test.Append(Image(dataset, imageRoot, label, i, training: false)).Append(' ').Append(label).Append('\n');
            }
            File.WriteAllText(Path.Combine(dataPath, trainList), train.ToString());
            File.WriteAllText(Path.Combine(dataPath, testList), test.ToString());
            return (dataPath, imageRoot);
        }

        private static string Image(string dataset, string imageRoot, int label, int i, bool training)
        {
            var relative = dataset switch
            {
                "imagenet-lt" => training ? $"train/n{label:D8}/n{label:D8}_{i}.JPEG" : $"val/n{label:D8}/ILSVRC2012_val_{label * 10 + i:D8}.JPEG",
                "inaturalist2018" => $"train_val2018/Plantae/{label}/{(training ? "t" : "v")}{label:x6}{i:x4}.jpg",
                _ => training ? $"data_256/c/class{label}/{i:D8}.jpg" : $"val_256/Places365_val_{label * 10 + i:D8}.jpg",
            };
            // Sizes differ per image (as real photos do) so that the random-resized-crop and resize paths both run.
            var width = 40 + (label + i) % 9;
            var height = 36 + (label * 3 + i) % 11;
            TestImages.Write(Path.Combine(imageRoot, relative), width, height,
                (x, y) => ((byte)((x * 7 + label) % 256), (byte)((y * 5 + i * 31) % 256), (byte)((x * y + label * 13) % 256)), quality: 80);
            return relative;
        }

        /// <summary>Training count of each populated class, largest first.</summary>
        public static IReadOnlyList<long> SortedTrainCounts() => Array.ConvertAll(TrainCounts, c => (long)c);
    }
}
