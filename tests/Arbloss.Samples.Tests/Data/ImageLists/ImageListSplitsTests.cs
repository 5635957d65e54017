using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Data.ImageLists;
using Xunit;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    public class ImageListSplitsTests
    {
        // Original class 2 is the most frequent, then 0, then 1 (the tail).
        private static readonly int[] TrainCounts = { 3, 1, 5 };

        [Fact]
        public void LoadsTheRealLayoutAndRemapsBothSplitsByTrainingFrequency()
        {
            using var temp = new TempFolder();
            TestImages.WriteDataset(temp.Path, ImageListSpec.PlacesLT, TrainCounts, testPerClass: 2);
            var splits = ImageListSplits.Load(ImageListSpec.PlacesLT, temp.Path);
            Assert.Equal(365, splits.NumClasses);
            Assert.Equal(new long[] { 5, 3, 1 }, splits.TrainClassCounts.Take(3));
            Assert.All(splits.TrainClassCounts.Skip(3), c => Assert.Equal(0, c));
            Assert.Equal(new[] { 2, 0, 1 }, splits.ClassMap.NewToOriginal.Take(3));
            Assert.Equal(9, splits.Train.Count);
            Assert.Equal(6, splits.Test.Count);
            // Every entry's new label is the map of the original label encoded in its folder name.
            foreach (var split in new[] { splits.Train, splits.Test })
            {
                for (var i = 0; i < split.Count; i++)
                {
                    var original = int.Parse(split.Entries[i].RelativePath.Split('/')[1]);
                    Assert.Equal(splits.ClassMap.ToNew(original), split.Labels[i]);
                    Assert.True(File.Exists(split.ImagePath(i)));
                }
            }
            Assert.Equal(new long[] { 2, 2, 2 }, splits.Test.CountClasses().Take(3));
            Assert.Same(splits.Train.ClassMap, splits.Test.ClassMap);
            Assert.Empty(splits.Problems);
        }

        [Fact]
        public void MissingImageStopsNamingListFileAndLine()
        {
            using var temp = new TempFolder();
            var lines = TestImages.WriteDataset(temp.Path, ImageListSpec.ImageNetLT, TrainCounts, testPerClass: 1);
            File.Delete(Path.Combine(temp.Path, lines[4].Split(' ')[0]));
            var ex = Assert.Throws<ImageListException>(() => ImageListSplits.Load(ImageListSpec.ImageNetLT, temp.Path));
            Assert.Equal(Path.Combine(temp.Path, "ImageNet_LT_train.txt"), ex.ListPath);
            Assert.Equal(5, ex.LineNumber);
            Assert.Contains("ImageNet_LT_train.txt line 5:", ex.Message);
            Assert.Contains("does not exist", ex.Message);
        }

        [Fact]
        public void SkipModeCountsMissingImagesBadLinesAndUnknownTestLabels()
        {
            using var temp = new TempFolder();
            var spec = new ImageListSpec("tiny", "tiny_train.txt", "tiny_test.txt", 3);
            var lines = TestImages.WriteDataset(temp.Path, spec, TrainCounts, testPerClass: 1).ToList();
            File.Delete(Path.Combine(temp.Path, lines[0].Split(' ')[0]));
            lines.Insert(2, "garbage line without label");
            TestImages.WriteLines(temp.File(spec.TrainList), lines);
            File.AppendAllText(temp.File(spec.TestList), "val/000/img_0000.jpg 7\n");
            var options = new ImageListOptions { Policy = InvalidEntryPolicy.Skip };
            var splits = ImageListSplits.Load(spec, temp.Path, options);
            Assert.Equal(8, splits.Train.Count);
            Assert.Equal(new[] { 1, 3 }, splits.Train.Problems.Select(p => p.LineNumber).OrderBy(l => l));
            Assert.Single(splits.Test.Problems);
            Assert.Equal(4, splits.Test.Problems[0].LineNumber);
            Assert.Equal(3, splits.Problems.Count);
            // Counts come from the images really kept.
            Assert.Equal(8, splits.TrainClassCounts.Sum());
        }

        [Fact]
        public void TestLabelOutsideTheTrainingClassesStops()
        {
            using var temp = new TempFolder();
            TestImages.WriteDataset(temp.Path, ImageListSpec.INaturalist2018, TrainCounts, testPerClass: 1);
            File.AppendAllText(temp.File("iNaturalist18_val.txt"), "val/000/img_0000.jpg 8142\n");
            var ex = Assert.Throws<ImageListException>(() => ImageListSplits.Load(ImageListSpec.INaturalist2018, temp.Path));
            Assert.EndsWith("iNaturalist18_val.txt", ex.ListPath);
            Assert.Equal(4, ex.LineNumber);
            Assert.Contains("out of range [0, 8142)", ex.Message);
        }

        [Fact]
        public void WithoutAClassCountTheTrainingLabelsDefineIt()
        {
            using var temp = new TempFolder();
            var spec = new ImageListSpec("tiny", "a.txt", "b.txt", 3);
            TestImages.WriteDataset(temp.Path, spec, TrainCounts, testPerClass: 1);
            var splits = ImageListSplits.Load(temp.File("a.txt"), temp.File("b.txt"), temp.Path);
            Assert.Equal(3, splits.NumClasses);
            File.AppendAllText(temp.File("b.txt"), "val/000/img_0000.jpg 3\n");
            var ex = Assert.Throws<ImageListException>(() => ImageListSplits.Load(temp.File("a.txt"), temp.File("b.txt"), temp.Path));
            Assert.Contains("out of range [0, 3)", ex.Message);
        }

        [Fact]
        public void ImageRootCanDifferFromTheDataRoot()
        {
            using var temp = new TempFolder();
            var images = Path.Combine(temp.Path, "images");
            TestImages.WriteDataset(images, ImageListSpec.PlacesLT, TrainCounts, testPerClass: 1);
            foreach (var name in new[] { "Places_LT_train.txt", "Places_LT_test.txt" })
                File.Move(Path.Combine(images, name), temp.File(name));
            var splits = ImageListSplits.Load(ImageListSpec.PlacesLT, temp.Path, new ImageListOptions { ImageRoot = images });
            Assert.Equal(images, splits.Train.ImageRoot);
            Assert.Throws<ImageListException>(() => ImageListSplits.Load(ImageListSpec.PlacesLT, temp.Path));
            Assert.Throws<DirectoryNotFoundException>(() => ImageListSplits.Load(ImageListSpec.PlacesLT, temp.File("nowhere")));
        }

        [Theory]
        [InlineData("ImageNet-LT", "ImageNet_LT_train.txt", 1000)]
        [InlineData("imagenet_lt", "ImageNet_LT_train.txt", 1000)]
        [InlineData("places-lt", "Places_LT_train.txt", 365)]
        [InlineData("iNaturalist2018", "iNaturalist18_train.txt", 8142)]
        [InlineData("inat18", "iNaturalist18_train.txt", 8142)]
        public void SpecsAreFoundByName(string name, string trainList, int classes)
        {
            var spec = ImageListSpec.FromName(name);
            Assert.Equal(trainList, spec.TrainList);
            Assert.Equal(classes, spec.NumClasses);
        }

        [Fact]
        public void UnknownSpecNameListsTheKnownOnes()
        {
            var ex = Assert.Throws<ArgumentException>(() => ImageListSpec.FromName("cifar"));
            Assert.Contains("imagenet-lt", ex.Message);
            Assert.Equal(3, ImageListSpec.All.Count);
        }
    }
}
