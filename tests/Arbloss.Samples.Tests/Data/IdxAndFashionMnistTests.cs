using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Data
{
    public class IdxAndFashionMnistTests
    {
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void IdxFilesRoundTrip(bool gzip)
        {
            using var dir = new TempDir();
            var pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 3)).ToArray();
            TestData.WriteIdxImages(dir.Combine("img"), pixels, 3, 4, 5, gzip);
            TestData.WriteIdxLabels(dir.Combine("lbl"), new long[] { 2, 0, 9 }, gzip);
            var (read, count, rows, cols) = IdxReader.ReadImages(dir.Combine("img"));
            Assert.Equal((3, 4, 5), (count, rows, cols));
            Assert.Equal(pixels, read);
            Assert.Equal(new long[] { 2, 0, 9 }, IdxReader.ReadLabels(dir.Combine("lbl")));
        }

        [Fact]
        public void MalformedIdxFilesAreInvalidData()
        {
            using var dir = new TempDir();
            TestData.WriteIdxLabels(dir.Combine("labels"), Enumerable.Range(0, 20).Select(i => (long)(i % 10)).ToArray(), gzip: false);
            Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(dir.Combine("labels"))).Message);
            var truncated = File.ReadAllBytes(dir.Combine("labels"))[..9];
            File.WriteAllBytes(dir.Combine("short"), truncated);
            Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.Combine("short")));
            File.WriteAllBytes(dir.Combine("tiny"), new byte[] { 0, 0 });
            Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.Combine("tiny")));
            File.WriteAllBytes(dir.Combine("badgz"), new byte[] { 0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8 });
            Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(dir.Combine("badgz")));
        }

        [Fact]
        public void ProviderReadsTheFilesCutsTheTrainingSetAndKeepsTheTestSet()
        {
            using var dir = new TempDir();
            TestData.WriteFashionMnist(dir.Combine("fm"), trainPerClass: 100, testPerClass: 7);
            var config = ConfigLoader.Parse($"dataset: fashion-mnist\ndata_path: '{dir.Combine("fm")}'\nimb_factor: 0.01\nseed: 3\n", "t");
            var provider = new FashionMnistProvider(systemFolders: Array.Empty<string>());
            var splits = provider.Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")));
            Assert.Equal("fashion-mnist-lt", splits.Id);
            Assert.Equal(new long[] { 100, 59, 35, 21, 12, 7, 4, 2, 1, 1 }, splits.TrainClassCounts);
            Assert.Equal(70, splits.Test.Count);
            Assert.Equal(new long[] { 1, 28, 28 }, splits.Train.SampleShape);
            Assert.Equal("Ankle boot", splits.ClassNames[9]);
            // Normalised with the Fashion-MNIST mean and std; the band of class 0 is bright (> 180 / 255).
            var buffer = new float[784];
            int first = Enumerable.Range(0, splits.Test.Count).First(i => splits.Test.Labels[i] == 0);
            splits.Test.Read(first, buffer, null);
            Assert.True(buffer[2 * 28 + 10] > (180 / 255.0 - 0.2860) / 0.3530 - 1e-4);
            Assert.True(buffer[20 * 28 + 10] < (60 / 255.0 - 0.2860) / 0.3530);
            // The same seed chooses the same subset; another seed another one.
            var again = provider.Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")));
            Assert.Equal(((SubsetSource)splits.Train).Indices, ((SubsetSource)again.Train).Indices);
            var other = provider.Load(config with { Seed = 4 }, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")));
            Assert.NotEqual(((SubsetSource)splits.Train).Indices, ((SubsetSource)other.Train).Indices);
        }

        [Fact]
        public void MissingDataIsOneLineSayingWhereItLookedAndHowToGetIt()
        {
            using var dir = new TempDir();
            var config = ConfigLoader.Parse($"dataset: fashion-mnist\ndata_path: '{dir.Combine("nothing")}'\n", "t");
            var provider = new FashionMnistProvider(systemFolders: new[] { dir.Combine("system") });
            var e = Assert.Throws<DatasetUnavailableException>(() => provider.Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache"))));
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains(dir.Combine("nothing"), e.Message);
            Assert.Contains(dir.Combine("system"), e.Message);
            Assert.Contains("dataset-fashion-mnist", e.Message);
            Assert.Contains("--data", e.Message);
        }

        [Fact]
        public void FailedDownloadIsReportedAsUnavailable()
        {
            using var dir = new TempDir();
            var config = ConfigLoader.Parse($"dataset: fashion-mnist\ndata_path: '{dir.Combine("target")}'\n", "t");
            var provider = new FashionMnistProvider(systemFolders: Array.Empty<string>());
            // The official host cannot be reached from a test (offline machines, or a 1 ms connect timeout).
            var downloader = new Downloader(connectTimeout: TimeSpan.FromMilliseconds(1), stallTimeout: TimeSpan.FromSeconds(2));
            var e = Assert.Throws<DatasetUnavailableException>(() => provider.Load(config, new DataContext(downloader, allowDownload: true, cacheRoot: dir.Combine("cache"))));
            Assert.Contains("download failed", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Empty(Directory.Exists(dir.Combine("target")) ? Directory.GetFiles(dir.Combine("target")) : Array.Empty<string>());
        }
    }
}
