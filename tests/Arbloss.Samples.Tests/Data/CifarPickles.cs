using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Arbloss.Samples.Tests.Data
{
    /// <summary>Small CIFAR python-version files in the published layout (Python-2 protocol-2 pickles, dict keys in
    /// the published files' order).</summary>
    public static class CifarPickles
    {
        // The published class names, in the published order: with them, Meta() writes files byte-identical to the
        // published batches.meta and meta (their MD5s are the ones torchvision checks).
        public static readonly string[] Cifar10Names = { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };

        public static readonly string[] Cifar100Fine =
        {
            "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle",
            "bicycle", "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel",
            "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud",
            "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant",
            "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
            "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree",
            "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter",
            "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine",
            "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea",
            "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
            "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television",
            "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
            "willow_tree", "wolf", "woman", "worm",
        };

        public static readonly string[] Cifar100Coarse =
        {
            "aquatic_mammals", "fish", "flowers", "food_containers",
            "fruit_and_vegetables", "household_electrical_devices", "household_furniture", "insects",
            "large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
            "medium_mammals", "non-insect_invertebrates", "people", "reptiles",
            "small_mammals", "trees", "vehicles_1", "vehicles_2",
        };

        /// <summary>The pixel of image <paramref name="image"/>, channel c, row r, column k: distinct enough that a swapped
        /// channel, row or column shows.</summary>
        public static byte Pixel(int image, int c, int r, int k) => (byte)((image * 37 + c * 89 + r * 11 + k * 5 + r * k % 7) & 0xff);

        /// <summary>Images [count, 3, 32, 32] in C order (numpy's [count, 3072] rows).</summary>
        public static byte[] Pixels(int firstImage, int count)
        {
            var bytes = new byte[count * 3072];
            for (int i = 0; i < count; i++)
                for (int c = 0; c < 3; c++)
                    for (int r = 0; r < 32; r++)
                        for (int k = 0; k < 32; k++)
                            bytes[i * 3072 + c * 1024 + r * 32 + k] = Pixel(firstImage + i, c, r, k);
            return bytes;
        }

        /// <summary>The same [rows, cols] matrix stored column-major.</summary>
        public static byte[] ToFortran(byte[] cOrder, int rows, int cols)
        {
            var f = new byte[cOrder.Length];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    f[j * rows + i] = cOrder[i * cols + j];
            return f;
        }

        private static KeyValuePair<string, object?> Item(string key, object? value) => new(key, value);

        /// <summary>One batch: CIFAR-10 keys batch_label, labels, data, filenames; CIFAR-100 filenames, batch_label,
        /// fine_labels, coarse_labels, data.</summary>
        public static byte[] Batch(bool hundred, int firstImage, IReadOnlyList<int> labels, string batchLabel, bool fortran = false)
        {
            var pixels = Pixels(firstImage, labels.Count);
            var array = new Py2Pickle.NumpyUInt8(new long[] { labels.Count, 3072 }, fortran ? ToFortran(pixels, labels.Count, 3072) : pixels, fortran);
            var filenames = Enumerable.Range(firstImage, labels.Count).Select(i => (object?)$"image_{i:D5}.png").ToList();
            var labelList = labels.Select(l => (object?)l).ToList();
            var dict = hundred
                ? new List<KeyValuePair<string, object?>>
                {
                    Item("filenames", filenames), Item("batch_label", batchLabel), Item("fine_labels", labelList),
                    Item("coarse_labels", labels.Select(l => (object?)(l / 5)).ToList()), Item("data", array),
                }
                : new List<KeyValuePair<string, object?>>
                {
                    Item("batch_label", batchLabel), Item("labels", labelList), Item("data", array), Item("filenames", filenames),
                };
            return Py2Pickle.Dumps(dict);
        }

        /// <summary>The meta file: CIFAR-10 num_cases_per_batch, label_names, num_vis; CIFAR-100 fine_label_names,
        /// coarse_label_names.</summary>
        public static byte[] Meta(bool hundred, int? names = null)
        {
            var dict = hundred
                ? new List<KeyValuePair<string, object?>>
                {
                    Item("fine_label_names", Cifar100Fine.Take(names ?? 100).Select(n => (object?)n).ToList()),
                    Item("coarse_label_names", Cifar100Coarse.Select(n => (object?)n).ToList()),
                }
                : new List<KeyValuePair<string, object?>>
                {
                    Item("num_cases_per_batch", 10000), Item("label_names", Cifar10Names.Take(names ?? 10).Select(n => (object?)n).ToList()), Item("num_vis", 3072),
                };
            return Py2Pickle.Dumps(dict);
        }

        /// <summary>All files of a dataset: train images 0.., labels i % classes; test images follow the training ones.</summary>
        public static Dictionary<string, byte[]> Files(bool hundred, int trainPerFile, int test)
        {
            int classes = hundred ? 100 : 10;
            var files = new Dictionary<string, byte[]>();
            int image = 0;
            var trainNames = hundred ? new[] { "train" } : Enumerable.Range(1, 5).Select(i => $"data_batch_{i}").ToArray();
            for (int b = 0; b < trainNames.Length; b++)
            {
                var labels = Enumerable.Range(image, trainPerFile).Select(i => i % classes).ToArray();
                files[trainNames[b]] = Batch(hundred, image, labels, hundred ? "training batch 1 of 1" : $"training batch {b + 1} of 5");
                image += trainPerFile;
            }
            files[hundred ? "test" : "test_batch"] = Batch(hundred, image, Enumerable.Range(0, test).Select(i => i % classes).ToArray(), hundred ? "testing batch 1 of 1" : "testing batch 1 of 1");
            files[hundred ? "meta" : "batches.meta"] = Meta(hundred);
            return files;
        }

        public static void WriteFolder(string folder, Dictionary<string, byte[]> files)
        {
            Directory.CreateDirectory(folder);
            foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }
    }
}
