using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Tests.Support;
using Xunit;

namespace Arbloss.Samples.Tests.Data
{
    public class CifarTests
    {
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ArchiveAndExtractedFolderGiveTheSameImages(bool hundred)
        {
            using var dir = new TempDir();
            var files = TestData.CifarFiles(hundred, trainPerFile: hundred ? 200 : 20, test: 30);
            var folder = dir.Combine(CifarBinaryReader.ArchiveFolder(hundred));
            Directory.CreateDirectory(folder);
            foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
            var archive = dir.Combine("archive.tar.gz");
            TestData.WriteTarGz(archive, CifarBinaryReader.ArchiveFolder(hundred), files);

            var fromFolder = CifarBinaryReader.ReadFolder(folder, hundred);
            var fromArchive = CifarBinaryReader.ReadArchive(archive, hundred);
            Assert.Equal(fromFolder.TrainPixels, fromArchive.TrainPixels);
            Assert.Equal(fromFolder.TrainLabels, fromArchive.TrainLabels);
            Assert.Equal(fromFolder.TestLabels, fromArchive.TestLabels);
            Assert.Equal(hundred ? 200 : 100, fromArchive.TrainLabels.Length);
            Assert.Equal(30, fromArchive.TestLabels.Length);
            Assert.Equal("class7", fromArchive.ClassNames![7]);
            // The fine label is used for CIFAR-100; pixel bytes of image i, channel c are 3i + c.
            Assert.Equal(hundred ? 37 : 7, fromArchive.TrainLabels[hundred ? 37 : 7]);
            Assert.Equal((byte)(5 * 3 + 2), fromArchive.TrainPixels[5 * 3072 + 2 * 1024 + 100]);
        }

        [Fact]
        public void MalformedBatchesAndArchivesAreInvalidData()
        {
            using var dir = new TempDir();
            var files = TestData.CifarFiles(false, 10, 10);
            files["data_batch_3.bin"] = files["data_batch_3.bin"][..100];
            TestData.WriteTarGz(dir.Combine("a.tar.gz"), "cifar-10-batches-bin", files);
            Assert.Contains("data_batch_3.bin", Assert.Throws<InvalidDataException>(() => CifarBinaryReader.ReadArchive(dir.Combine("a.tar.gz"), false)).Message);
            files = TestData.CifarFiles(false, 10, 10);
            files.Remove("test_batch.bin");
            TestData.WriteTarGz(dir.Combine("b.tar.gz"), "cifar-10-batches-bin", files);
            Assert.Contains("test_batch.bin", Assert.Throws<InvalidDataException>(() => CifarBinaryReader.ReadArchive(dir.Combine("b.tar.gz"), false)).Message);
            File.WriteAllBytes(dir.Combine("c.tar.gz"), new byte[] { 1, 2, 3 });
            Assert.Throws<InvalidDataException>(() => CifarBinaryReader.ReadArchive(dir.Combine("c.tar.gz"), false));
            files = TestData.CifarFiles(false, 10, 10);
            files["data_batch_1.bin"][0] = 12; // label outside [0, 10)
            TestData.WriteTarGz(dir.Combine("d.tar.gz"), "cifar-10-batches-bin", files);
            Assert.Contains("label 12", Assert.Throws<InvalidDataException>(() => CifarBinaryReader.ReadArchive(dir.Combine("d.tar.gz"), false)).Message);
        }

        [Fact]
        public void ProviderFindsTheArchiveInDataPathAndBuildsTheLongTailedSet()
        {
            using var dir = new TempDir();
            var files = TestData.CifarFiles(false, trainPerFile: 40, test: 20); // 20 images per class
            TestData.WriteTarGz(dir.Combine("cifar-10-binary.tar.gz"), "cifar-10-batches-bin", files);
            var config = ConfigLoader.Parse($"dataset: cifar10\ndata_path: '{dir.Path}'\nimb_factor: 0.1\n", "t");
            var splits = new CifarProvider(hundred: false).Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")));
            Assert.Equal("cifar10-lt", splits.Id);
            Assert.Equal(new long[] { 20, 15, 11, 9, 7, 5, 4, 3, 2, 2 }, splits.TrainClassCounts);
            Assert.Equal(20, splits.Test.Count);
            Assert.Equal(new long[] { 3, 32, 32 }, splits.Test.SampleShape);
        }

        [Fact]
        public void MissingCifarWithoutDownloadSaysWhereItLooked()
        {
            using var dir = new TempDir();
            var config = ConfigLoader.Parse($"dataset: cifar100\ndata_path: '{dir.Path}'\n", "t");
            var e = Assert.Throws<DatasetUnavailableException>(() => new CifarProvider(hundred: true).Load(config, new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache"))));
            Assert.Contains("cifar-100-binary.tar.gz", e.Message);
            Assert.Contains(dir.Path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }

        [Fact]
        public void PadCropFlipMovesPixelsAndPadsWithZeroBeforeNormalising()
        {
            // One 1-channel 4x4 image with distinct values; mean 0, std 1/255 makes the output equal to the byte value.
            var pixels = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
            var source = new InMemoryImageSource(pixels, new long[] { 0 }, 1, 4, 4, new[] { 0.0 }, new[] { 1 / 255.0 }, ImageAugmentation.PadCropFlip);
            var plain = new float[16];
            source.Read(0, plain, null);
            Assert.Equal(pixels.Select(p => (float)p), plain.Select(v => MathF.Round(v, 3)));
            bool sawFlip = false, sawShift = false;
            for (int seed = 0; seed < 200; seed++)
            {
                var output = new float[16];
                source.Read(0, output, (ulong)seed);
                var values = output.Select(v => (int)MathF.Round(v)).ToArray();
                Assert.All(values, v => Assert.InRange(v, 0, 16)); // original pixels or zero padding
                // Every output row is a contiguous run of one source row (possibly reversed), or padding.
                for (int y = 0; y < 4; y++)
                {
                    var row = values.Skip(4 * y).Take(4).Where(v => v != 0).ToArray();
                    if (row.Length < 2) continue;
                    int step = row[1] - row[0];
                    Assert.True(step is 1 or -1, $"seed {seed}: row {string.Join(",", row)}");
                    if (step == -1) sawFlip = true;
                }
                if (values.Contains(0)) sawShift = true;
            }
            Assert.True(sawFlip && sawShift);
        }
    }
}
