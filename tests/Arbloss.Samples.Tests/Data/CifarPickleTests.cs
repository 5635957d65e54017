using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Arbloss.Samples.Cli;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Data
{
    /// <summary>CIFAR's python version (torchvision's layout), on files written as Python 2's cPickle writes them.</summary>
    public class CifarPickleTests
    {
        private static int At(int image, int c, int r, int k) => image * 3072 + c * 1024 + r * 32 + k;

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void FolderAndArchiveGiveTheSameImagesLabelsAndNames(bool hundred)
        {
            using var dir = new TempDir();
            var files = CifarPickles.Files(hundred, trainPerFile: hundred ? 120 : 3, test: 7);
            var folder = dir.Combine(CifarPickleReader.ArchiveFolder(hundred));
            CifarPickles.WriteFolder(folder, files);
            var archive = dir.Combine(hundred ? "cifar-100-python.tar.gz" : "cifar-10-python.tar.gz");
            TestData.WriteTarGz(archive, CifarPickleReader.ArchiveFolder(hundred), files);

            var fromFolder = CifarPickleReader.ReadFolder(folder, hundred);
            var fromArchive = CifarPickleReader.ReadArchive(archive, hundred);
            int train = hundred ? 120 : 15;
            Assert.Equal(CifarPickles.Pixels(0, train), fromFolder.TrainPixels);
            Assert.Equal(CifarPickles.Pixels(train, 7), fromFolder.TestPixels);
            Assert.Equal(Enumerable.Range(0, train).Select(i => (long)(i % (hundred ? 100 : 10))), fromFolder.TrainLabels);
            Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, fromFolder.TestLabels);
            Assert.Equal(fromFolder.TrainPixels, fromArchive.TrainPixels);
            Assert.Equal(fromFolder.TrainLabels, fromArchive.TrainLabels);
            Assert.Equal(fromFolder.TestPixels, fromArchive.TestPixels);
            Assert.Equal(fromFolder.TestLabels, fromArchive.TestLabels);
            Assert.Equal(fromFolder.ClassNames, fromArchive.ClassNames);
            Assert.Equal(hundred ? 100 : 10, fromArchive.ClassNames!.Count);
            Assert.Equal(hundred ? "beetle" : "horse", fromArchive.ClassNames[7]);
        }

        [Fact]
        public void PixelsLandWhereTorchvisionPutsThem()
        {
            // The constants are what numpy 1.24 read from these very files: pickle.load(f, encoding='latin1'), then
            // np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)[i, r, k, c], as torchvision's CIFAR10 does.
            using var dir = new TempDir();
            CifarPickles.WriteFolder(dir.Combine("c10"), CifarPickles.Files(false, trainPerFile: 3, test: 4));
            var ten = CifarPickleReader.ReadFolder(dir.Combine("c10"), false);
            Assert.Equal(15 * 3072, ten.TrainPixels.Length);
            Assert.Equal(0, ten.TrainPixels[At(0, 0, 0, 0)]);
            Assert.Equal(155, ten.TrainPixels[At(4, 2, 31, 0)]); // image 4 is in data_batch_2
            Assert.Equal(44, ten.TrainPixels[At(7, 1, 5, 30)]);
            Assert.Equal(170, ten.TrainPixels[At(14, 2, 31, 31)]); // last pixel of data_batch_5
            Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4 }, ten.TrainLabels);
            Assert.Equal(CifarPickles.Cifar10Names, ten.ClassNames);

            CifarPickles.WriteFolder(dir.Combine("c100"), CifarPickles.Files(true, trainPerFile: 120, test: 7));
            var hundred = CifarPickleReader.ReadFolder(dir.Combine("c100"), true);
            Assert.Equal(215, hundred.TrainPixels[At(119, 2, 31, 31)]);
            Assert.Equal(6, hundred.TrainPixels[At(37, 1, 3, 9)]);
            Assert.Equal(37, hundred.TrainLabels[37]); // fine labels, not coarse (37 / 5 = 7)
            Assert.Equal(5, hundred.TrainLabels[105]);
        }

        [Fact]
        public void FortranOrderedDataLongListsAndManyMemoEntriesAreRead()
        {
            var labels = new[] { 1, 2, 3 };
            var fortran = CifarPickleReader.ReadBatch(CifarPickles.Batch(false, 2, labels, "f", fortran: true), 10, "f");
            Assert.Equal(CifarPickles.Pixels(2, 3), fortran.Pixels);
            Assert.Equal(new long[] { 1, 2, 3 }, fortran.Labels);

            // 1001 labels: APPENDS of 1000 then APPEND of one; 1001 file names: memo ids past 255 (LONG_BINPUT).
            var many = Enumerable.Range(0, 1001).Select(i => i % 10).ToArray();
            var big = CifarPickleReader.ReadBatch(CifarPickles.Batch(false, 0, many, "big"), 10, "big");
            Assert.Equal(many.Select(l => (long)l), big.Labels);
            Assert.Equal(CifarPickles.Pixels(0, 1001), big.Pixels);
        }

        [Fact]
        public void Python2StringsKeepEveryByteValue()
        {
            // All 256 byte values in the raw data string (BINSTRING): Razorvine's chars map back to the same bytes.
            var pixels = Enumerable.Range(0, 3072).Select(i => (byte)(i * 7 % 256)).ToArray();
            var dict = new List<KeyValuePair<string, object?>>
            {
                new("labels", new List<object?> { 4 }),
                new("data", new Py2Pickle.NumpyUInt8(new long[] { 1, 3072 }, pixels)),
            };
            var batch = CifarPickleReader.ReadBatch(Py2Pickle.Dumps(dict), 10, "x");
            Assert.Equal(pixels, batch.Pixels);
            Assert.Equal(256, batch.Pixels.Distinct().Count());
        }

        public static IEnumerable<object[]> Corruptions()
        {
            static byte[] Good() => CifarPickles.Batch(false, 0, new[] { 1, 2, 3 }, "b");
            static byte[] Dict(params (string Key, object? Value)[] items) => Py2Pickle.Dumps(items.Select(i => new KeyValuePair<string, object?>(i.Key, i.Value)).ToList());
            static Py2Pickle.NumpyUInt8 Arr(long[] shape, int bytes) => new(shape, new byte[bytes]);
            static List<object?> Labels(int n) => Enumerable.Range(0, n).Select(i => (object?)(i % 10)).ToList();
            yield return new object[] { "truncated", Good()[..500], "not a readable pickle" };
            yield return new object[] { "garbage", new byte[] { 0x80, 0x02, 0xff, 0x00 }, "not a readable pickle" };
            yield return new object[] { "empty", Array.Empty<byte>(), "not a readable pickle" };
            yield return new object[] { "a list", Py2Pickle.Dumps(Labels(3)), "holds a list, expected a dict" };
            yield return new object[] { "no data", Dict(("labels", Labels(3))), "no 'data' entry (keys: 'labels')" };
            yield return new object[] { "no labels", Dict(("data", Arr(new long[] { 1, 3072 }, 3072))), "neither 'labels' nor 'fine_labels'" };
            yield return new object[] { "labels not a list", Dict(("labels", 3), ("data", Arr(new long[] { 1, 3072 }, 3072))), "'labels' is an int, expected a list of ints" };
            yield return new object[] { "data not an array", Dict(("labels", Labels(1)), ("data", "abc")), "'data' is not a numpy array (found a string)" };
            yield return new object[] { "short data", Dict(("labels", Labels(3)), ("data", Arr(new long[] { 3, 3072 }, 100))), "needs 9216 bytes but the array holds 100" };
            yield return new object[] { "partial image", Dict(("labels", Labels(1)), ("data", Arr(new long[] { 1, 3000 }, 3000))), "not whole 3072-byte images" };
            yield return new object[] { "count mismatch", Dict(("labels", Labels(2)), ("data", Arr(new long[] { 3, 3072 }, 9216))), "holds 3 images but 'labels' has 2 labels" };
            yield return new object[] { "label range", Dict(("labels", new List<object?> { 1, 12 }), ("data", Arr(new long[] { 2, 3072 }, 6144))), "'labels'[1] is label 12, outside [0, 10)" };
            yield return new object[] { "label type", Dict(("labels", new List<object?> { 1, "x" }), ("data", Arr(new long[] { 2, 3072 }, 6144))), "'labels'[1] is a string, expected an int" };
            var int8 = Good();
            var code = Encoding.ASCII.GetBytes("U\u0002u1");
            int at = int8.AsSpan().IndexOf(code);
            int8[at + 2] = (byte)'i';
            yield return new object[] { "dtype", int8, "has dtype 'i1', expected uint8 ('u1')" };
        }

        [Theory]
        [MemberData(nameof(Corruptions))]
        public void MalformedBatchesNameTheFileAndWhatIsWrong(string what, byte[] batch, string message)
        {
            using var dir = new TempDir();
            var files = CifarPickles.Files(false, 3, 3);
            files["data_batch_3"] = batch;
            CifarPickles.WriteFolder(dir.Combine("f"), files);
            var e = Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadFolder(dir.Combine("f"), false));
            Assert.Contains(Path.Combine(dir.Combine("f"), "data_batch_3") + ": ", e.Message);
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: {e.Message}");
            Assert.DoesNotContain('\n', e.Message);
        }

        [Fact]
        public void MalformedMetaAndArchivesAreInvalidData()
        {
            using var dir = new TempDir();
            var files = CifarPickles.Files(false, 2, 2);
            files["batches.meta"] = CifarPickles.Meta(false, names: 9);
            CifarPickles.WriteFolder(dir.Combine("a"), files);
            Assert.Contains("batches.meta: 'label_names' has 9 names, expected 10", Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadFolder(dir.Combine("a"), false)).Message);
            files["batches.meta"] = CifarPickles.Meta(true); // CIFAR-100's keys in CIFAR-10's meta
            CifarPickles.WriteFolder(dir.Combine("b"), files);
            Assert.Contains("no 'label_names' entry (keys: 'coarse_label_names', 'fine_label_names')", Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadFolder(dir.Combine("b"), false)).Message);
            files.Remove("batches.meta"); // the meta file is optional: no names
            CifarPickles.WriteFolder(dir.Combine("c"), files);
            Assert.Null(CifarPickleReader.ReadFolder(dir.Combine("c"), false).ClassNames);

            files = CifarPickles.Files(true, 4, 4);
            files.Remove("test");
            TestData.WriteTarGz(dir.Combine("d.tar.gz"), "cifar-100-python", files);
            Assert.Contains("has no test (expected cifar-100-python/test)", Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadArchive(dir.Combine("d.tar.gz"), true)).Message);
            File.WriteAllBytes(dir.Combine("e.tar.gz"), new byte[] { 1, 2, 3 });
            Assert.Contains("not a readable .tar.gz", Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadArchive(dir.Combine("e.tar.gz"), true)).Message);
            files = CifarPickles.Files(true, 4, 4);
            files["train"] = files["train"][..1000];
            TestData.WriteTarGz(dir.Combine("f.tar.gz"), "cifar-100-python", files);
            var e = Assert.Throws<InvalidDataException>(() => CifarPickleReader.ReadArchive(dir.Combine("f.tar.gz"), true));
            Assert.StartsWith(Path.Combine(dir.Combine("f.tar.gz"), "train") + ": not a readable pickle", e.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TheWriterReproducesThePublishedMetaFilesByteForByte(bool hundred)
        {
            // The meta files carry no numpy array, so with the published class names the test writer can reproduce them
            // exactly: their MD5s equal torchvision's, which pins the writer's opcodes and memo ids to cPickle's.
            var meta = CifarPickles.Meta(hundred);
            var name = CifarPickleReader.MetaFile(hundred);
            Assert.Equal(CifarPickleReader.PublishedMd5(name, hundred), Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(meta)));
            Assert.Equal(hundred ? CifarPickles.Cifar100Fine : CifarPickles.Cifar10Names, CifarPickleReader.ReadClassNames(meta, hundred, name));
        }

        [Fact]
        public void ChecksumsAreTorchvisionsAndTheLogSaysWhetherTheFilesMatch()
        {
            Assert.Equal("c99cafc152244af753f735de768cd75f", CifarPickleReader.PublishedMd5("data_batch_1", false));
            Assert.Equal("40351d587109b95175f43aff81a1287e", CifarPickleReader.PublishedMd5("test_batch", false));
            Assert.Equal("16019d7e3df5f24257cddd939b257f8d", CifarPickleReader.PublishedMd5("train", true));
            Assert.Null(CifarPickleReader.PublishedMd5("train", false));
            Assert.Equal("c58f30108f718f92721af3b95e74349a", KnownDownloads.Cifar10Python.Md5);
            Assert.Equal("eb9058c3a382ffc7106e4002c42a8d85", KnownDownloads.Cifar100Python.Md5);
            using var dir = new TempDir();
            CifarPickles.WriteFolder(dir.Path, CifarPickles.Files(false, 2, 2));
            var log = new StringWriter();
            CifarPickleReader.ReadFolder(dir.Path, false, log);
            Assert.Equal("cifar10: data_batch_1, data_batch_2, data_batch_3, data_batch_4, data_batch_5, test_batch differ from torchvision's published MD5s (a modified or partial copy: torchvision would refuse it; read anyway)",
                log.ToString().Trim());
        }

        private static (string Log, DatasetSplits Splits) Load(string dataPath, string cache, bool hundred = false)
        {
            var log = new StringWriter();
            var config = ConfigLoader.Parse($"dataset: {(hundred ? "cifar100" : "cifar10")}\ndata_path: '{dataPath}'\n", "t");
            var splits = new CifarProvider(hundred).Load(config, new DataContext(log: log, allowDownload: false, cacheRoot: cache));
            return (log.ToString(), splits);
        }

        [Fact]
        public void ProviderPrefersThePythonVersionInEachFolderThenTheCache()
        {
            using var dir = new TempDir();
            var python = CifarPickles.Files(false, trainPerFile: 2, test: 3);
            var binary = TestData.CifarFiles(false, trainPerFile: 4, test: 5);
            // data_path holds every form: the python folder wins.
            var data = dir.Combine("data");
            CifarPickles.WriteFolder(Path.Combine(data, "cifar-10-batches-py"), python);
            TestData.WriteTarGz(Path.Combine(data, "cifar-10-python.tar.gz"), "cifar-10-batches-py", CifarPickles.Files(false, 1, 1));
            Directory.CreateDirectory(Path.Combine(data, "cifar-10-batches-bin"));
            foreach (var (name, bytes) in binary) File.WriteAllBytes(Path.Combine(data, "cifar-10-batches-bin", name), bytes);
            TestData.WriteTarGz(Path.Combine(data, "cifar-10-binary.tar.gz"), "cifar-10-batches-bin", binary);
            var (log, splits) = Load(data, dir.Combine("cache"));
            Assert.Contains($"reading {Path.Combine(data, "cifar-10-batches-py")} (python version)", log);
            Assert.Equal(3, splits.Test.Count);

            // Without the folder, the python archive comes before the binary folder.
            Directory.Delete(Path.Combine(data, "cifar-10-batches-py"), recursive: true);
            (log, splits) = Load(data, dir.Combine("cache"));
            Assert.Contains("cifar-10-python.tar.gz (python version)", log);
            Assert.Equal(1, splits.Test.Count);

            // Without either, the binary version is read.
            File.Delete(Path.Combine(data, "cifar-10-python.tar.gz"));
            (log, splits) = Load(data, dir.Combine("cache"));
            Assert.Contains("cifar-10-batches-bin (binary version)", log);
            Assert.Equal(5, splits.Test.Count);

            // data_path comes before the cache, whatever the versions: an empty data_path falls through to the cache's python files.
            var cache = dir.Combine("cache");
            CifarPickles.WriteFolder(Path.Combine(cache, "cifar10"), python); // the files directly in the folder
            (log, _) = Load(data, cache);
            Assert.Contains("binary version", log);
            (log, splits) = Load(dir.Combine("nothing"), cache);
            Assert.Contains($"reading {Path.Combine(cache, "cifar10")} (python version)", log);
            Assert.Equal(3, splits.Test.Count);
        }

        [Fact]
        public void ProviderBuildsTheLongTailedSetAndTheTestImagesAsTorchvisionSeesThem()
        {
            using var dir = new TempDir();
            TestData.WriteTarGz(dir.Combine("cifar-100-python.tar.gz"), "cifar-100-python", CifarPickles.Files(true, trainPerFile: 2000, test: 10));
            var config = ConfigLoader.Parse($"dataset: cifar100\ndata_path: '{dir.Path}'\nimb_factor: 0.1\n", "t");
            var splits = new CifarProvider(hundred: true).Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")));
            Assert.Equal("cifar100-lt", splits.Id);
            Assert.Equal(20, splits.TrainClassCounts[0]);
            Assert.Equal(2, splits.TrainClassCounts[99]);
            Assert.Equal("leopard", splits.ClassNames[42]);
            // Test image 3 is image 2003 of the generator; normalised with CIFAR-100's mean and std, per channel.
            var mean = new[] { 0.5071, 0.4865, 0.4409 };
            var std = new[] { 0.2673, 0.2564, 0.2762 };
            var values = new float[3072];
            splits.Test.Read(3, values, null);
            foreach (var (c, r, k) in new[] { (0, 0, 0), (1, 5, 30), (2, 31, 31), (2, 0, 17) })
            {
                double expected = (CifarPickles.Pixel(2003, c, r, k) / 255.0 - mean[c]) / std[c];
                Assert.Equal(expected, values[c * 1024 + r * 32 + k], 4);
            }
        }

        [Fact]
        public void MissingCifarOfflineNamesBothLayoutsAndDataPath()
        {
            using var dir = new TempDir();
            var config = ConfigLoader.Parse($"dataset: cifar10\ndata_path: '{dir.Path}'\n", "t");
            var e = Assert.Throws<DatasetUnavailableException>(() => new CifarProvider(hundred: false).Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache"))));
            foreach (var part in new[] { "cifar-10-batches-py/", "cifar-10-python.tar.gz", "cifar-10-batches-bin/", "cifar-10-binary.tar.gz", "--set data_path=DIR", dir.Path, dir.Combine("cache", "cifar10"), KnownDownloads.Cifar10Python.Url })
                Assert.Contains(part, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    /// <summary>A tiny training run through the command line on the python layout.</summary>
    [Collection(TorchRngCollection.Name)]
    public class CifarPickleEndToEndTests
    {
        [Fact]
        public void TrainFromThePythonLayoutThroughTheCommandLine()
        {
            using var dir = new TempDir();
            CifarPickles.WriteFolder(dir.Combine("data", "cifar-10-batches-py"), CifarPickles.Files(false, trainPerFile: 8, test: 20));
            var config = dir.Combine("tiny.yaml");
            File.WriteAllText(config, $"dataset: cifar10\ndata_path: '{dir.Combine("data")}'\nnum_epochs: 1\nbatch_size: 16\nimb_factor: 0.1\nlr: 0.05\ncos: true\narbloss: true\nworkers: 1\n");
            var console = new CapturedConsole();
            var error = new StringWriter();
            var parsed = AppCommands.Build(console.Console, error).Parse(new[] { "train", "--config", config, "--out", dir.Combine("out"), "--device", "cpu", "--no-download", "--no-plots", "--set", "seed=3" });
            int code = parsed.Errors.Count > 0 ? 2 : parsed.Invoke(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error });
            Assert.True(code == 0, error.ToString());
            Assert.Contains("(python version)", console.Output);
            Assert.Contains("top-1", console.Output);
            using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("out", "results.json")));
            Assert.Equal("cifar10-lt", json.RootElement.GetProperty("dataset").GetString());
            Assert.Equal(LongTailSubsets.TargetCounts(10, 4, 0.1, "exp"), json.RootElement.GetProperty("train_class_counts").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(10, json.RootElement.GetProperty("per_class_accuracy").GetArrayLength());
        }
    }
}
