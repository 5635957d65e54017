using System.IO;
using System.Linq;
using Arbloss.Samples.Data.ImageLists;
using Xunit;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    public class ImageListFileTests
    {
        private static ImageListFile Parse(string text, InvalidEntryPolicy policy = InvalidEntryPolicy.Throw, int? numClasses = null)
            => ImageListFile.Parse(new StringReader(text), "list.txt", policy, numClasses);

        [Fact]
        public void ParsesPathsLabelsAndLineNumbers()
        {
            var list = Parse("train/n01440764/a.JPEG 0\r\n\r\n  train/b c/with space.jpg\t17  \nval/x.jpg 3\n");
            Assert.Equal(3, list.Entries.Count);
            Assert.Equal(new ImageListEntry("train/n01440764/a.JPEG", 0, 1), list.Entries[0]);
            Assert.Equal(new ImageListEntry("train/b c/with space.jpg", 17, 3), list.Entries[1]);
            Assert.Equal(new ImageListEntry("val/x.jpg", 3, 4), list.Entries[2]);
            Assert.Empty(list.Problems);
        }

        [Theory]
        [InlineData("a.jpg 0\nno_label_here\n", 2, "no label")]
        [InlineData("a.jpg 0\nb.jpg 1\nc.jpg x7\n", 3, "'x7' is not a non-negative integer")]
        [InlineData("a.jpg -1\n", 1, "'-1' is not a non-negative integer")]
        [InlineData("a.jpg 1.5\n", 1, "'1.5' is not a non-negative integer")]
        [InlineData("a.jpg 99999999999\n", 1, "not a non-negative integer")]
        [InlineData("/abs/a.jpg 0\n", 1, "must be relative")]
        [InlineData("train/../../etc/a.jpg 0\n", 1, "leaves the image root")]
        public void BadLineStopsNamingFileAndLine(string text, int line, string reason)
        {
            var ex = Assert.Throws<ImageListException>(() => Parse(text));
            Assert.Equal("list.txt", ex.ListPath);
            Assert.Equal(line, ex.LineNumber);
            Assert.Contains($"list.txt line {line}:", ex.Message);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public void LabelOutOfRangeStopsWhenTheClassCountIsKnown()
        {
            var ex = Assert.Throws<ImageListException>(() => Parse("a.jpg 0\nb.jpg 1000\n", numClasses: 1000));
            Assert.Equal(2, ex.LineNumber);
            Assert.Contains("out of range [0, 1000)", ex.Message);
            Assert.Equal(2, Parse("a.jpg 0\nb.jpg 999\n", numClasses: 1000).Entries.Count);
        }

        [Fact]
        public void SkipModeRecordsAndCountsBadLines()
        {
            var list = Parse("a.jpg 0\nbroken\nb.jpg 7\nc.jpg 1\nd.jpg z\n", InvalidEntryPolicy.Skip, numClasses: 5);
            Assert.Equal(new[] { "a.jpg", "c.jpg" }, list.Entries.Select(e => e.RelativePath));
            Assert.Equal(new[] { 2, 3, 5 }, list.Problems.Select(p => p.LineNumber));
            Assert.All(list.Problems, p => Assert.Equal("list.txt", p.ListPath));
            Assert.StartsWith("list.txt line 3: the label 7 is out of range", list.Problems[1].ToString());
        }

        [Fact]
        public void EmptyOrAllBadListIsAnError()
        {
            Assert.Contains("no entries", Assert.Throws<ImageListException>(() => Parse("\n  \n")).Message);
            var ex = Assert.Throws<ImageListException>(() => Parse("bad\nworse\n", InvalidEntryPolicy.Skip));
            Assert.Contains("none of its 2 lines is valid", ex.Message);
        }

        [Fact]
        public void ReadNamesAMissingListFile()
        {
            using var temp = new TempFolder();
            var path = temp.File("ImageNet_LT_train.txt");
            var ex = Assert.Throws<FileNotFoundException>(() => ImageListFile.Read(path));
            Assert.Contains(path, ex.Message);
            File.WriteAllText(path, "train/a.jpg 4\n");
            var list = ImageListFile.Read(path);
            Assert.Equal(path, list.ListPath);
            Assert.Equal(4, list.Entries[0].Label);
        }
    }
}
