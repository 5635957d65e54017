using System;
using System.Linq;
using Arbloss.Samples.Data.ImageLists;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Arbloss.Samples.Tests.Data.ImageLists
{
    public class TransformTests
    {
        private static readonly ImageNormalization Net = ImageNormalization.ImageNet;

        private static float[] Apply(ImageTransform transform, RgbaImage image, ulong seed)
        {
            var output = new float[transform.OutputLength];
            transform.Apply(image, seed, output);
            return output;
        }

        private static float Lowest(int c) => (0f - Net.Mean(c)) / Net.Std(c);

        private static float Highest(int c) => (1f - Net.Mean(c)) / Net.Std(c);

        [Fact]
        public void EvalTransformMatchesTorchvisionResizeCenterCropNormalize()
        {
            // Both work on 8-bit images, rounding after each resampling pass; PIL uses fixed-point filter weights: allow 1 grey level.
            var transform = new EvalImageTransform(resize: 24, size: 20);
            foreach (var (w, h, expected) in new[] { (61, 45, TorchvisionTransformFixtures.Eval61x45), (45, 61, TorchvisionTransformFixtures.Eval45x61) })
            {
                using var image = TestImages.Image(w, h, TestImages.Pattern);
                var actual = Apply(transform, image, 0);
                Assert.Equal(expected.Length, actual.Length);
                for (var i = 0; i < actual.Length; i++)
                {
                    var tolerance = 1.01f / 255f / Net.Std(i / 400);
                    Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{w}x{h} element {i}: {actual[i]} vs torchvision {expected[i]}");
                }
            }
        }

        [Theory]
        [InlineData(7, 5, 40, 30)]
        [InlineData(3, 2, 10, 8)]
        public void ResampledCropMatchesTorchvisionResizedCrop(int left, int top, int width, int height)
        {
            var expected = left == 7 ? TorchvisionTransformFixtures.Crop61x45Left7Top5W40H30To16 : TorchvisionTransformFixtures.Crop61x45Left3Top2W10H8To16;
            using var image = TestImages.Image(61, 45, TestImages.Pattern);
            var xf = Resampler.Build(left, width, 16, 0, 16);
            var yf = Resampler.Build(top, height, 16, 0, 16);
            var output = new float[16 * 16 * 3];
            Resampler.Resize(image.Pixels, 61, xf, yf, new float[Resampler.ScratchLength(xf, yf)], output);
            for (var i = 0; i < output.Length; i++)
                Assert.True(Math.Abs(output[i] - expected[i]) <= 1.0f, $"element {i}: {output[i]} vs torchvision {expected[i]}");
        }

        [Property(MaxTest = 100)]
        public void ResamplerWeightsArePositiveAndSumToOne(PositiveInt inSize, PositiveInt outSize)
        {
            var n = inSize.Get % 500 + 1;
            var m = outSize.Get % 300 + 1;
            var filter = Resampler.Build(3, n, m, 0, m);
            for (var o = 0; o < m; o++)
            {
                double sum = 0;
                for (var k = 0; k < filter.Count[o]; k++)
                {
                    var w = filter.Weights[o * filter.Taps + k];
                    Assert.True(w >= 0);
                    sum += w;
                }
                Assert.True(Math.Abs(sum - 1) < 1e-5, $"{n}->{m}: output {o} weights sum to {sum}");
                Assert.InRange(filter.Start[o], 3, n + 2);
                Assert.InRange(filter.Start[o] + filter.Count[o], 4, n + 3);
            }
        }

        [Fact]
        public void EvalTransformOfAFlatImageIsTheNormalisedColour()
        {
            using var image = TestImages.Image(500, 375, (x, y) => (200, 100, 50));
            var transform = new EvalImageTransform();
            Assert.Equal((341, 256), transform.ResizedSize(500, 375));
            Assert.Equal((256, 341), transform.ResizedSize(375, 500));
            var output = Apply(transform, image, 0);
            Assert.Equal(3 * 224 * 224, output.Length);
            var colour = new[] { 200f, 100f, 50f };
            for (var c = 0; c < 3; c++)
            {
                var expected = (colour[c] / 255f - Net.Mean(c)) / Net.Std(c);
                Assert.All(output.Skip(c * 224 * 224).Take(224 * 224), v => Assert.True(Math.Abs(v - expected) < 1e-4));
            }
            using var tensor = transform.ToTensor(image, 0);
            Assert.Equal(new long[] { 3, 224, 224 }, tensor.shape);
        }

        [Fact]
        public void TrainTransformIsReproduciblePerSeedAndVariesAcrossSeeds()
        {
            using var image = TestImages.Image(120, 90, TestImages.Pattern);
            var transform = new TrainImageTransform(size: 32);
            var a = Apply(transform, image, 42);
            var b = Apply(transform, image, 42);
            var c = Apply(transform, image, 43);
            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
            Assert.Equal(3 * 32 * 32, a.Length);
            for (var ch = 0; ch < 3; ch++)
                Assert.All(a.Skip(ch * 1024).Take(1024), v => Assert.InRange(v, Lowest(ch) - 1e-5f, Highest(ch) + 1e-5f));
        }

        [Fact]
        public void DefaultTrainTransformGives224PixelsInRange()
        {
            using var image = TestImages.Image(500, 375, TestImages.Pattern);
            var transform = new TrainImageTransform();
            for (ulong seed = 0; seed < 4; seed++)
            {
                var output = Apply(transform, image, seed);
                Assert.Equal(3 * 224 * 224, output.Length);
                for (var ch = 0; ch < 3; ch++)
                    Assert.All(output.Skip(ch * 224 * 224).Take(224 * 224), v => Assert.InRange(v, Lowest(ch) - 1e-5f, Highest(ch) + 1e-5f));
            }
        }

        [Fact]
        public void FlipMirrorsTheCrop()
        {
            using var image = TestImages.Image(64, 64, TestImages.Pattern);
            // Whole image, no jitter: the only randomness left is the flip.
            var plain = new TrainImageTransform(size: 16, scaleMin: 1, scaleMax: 1, ratioMin: 1, ratioMax: 1, flipProbability: 0, brightness: 0, contrast: 0, saturation: 0);
            var flipped = new TrainImageTransform(size: 16, scaleMin: 1, scaleMax: 1, ratioMin: 1, ratioMax: 1, flipProbability: 1, brightness: 0, contrast: 0, saturation: 0);
            var a = Apply(plain, image, 5);
            var b = Apply(flipped, image, 5);
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < 16; y++)
                    for (var x = 0; x < 16; x++)
                        Assert.Equal(a[c * 256 + y * 16 + x], b[c * 256 + y * 16 + 15 - x]);
            // And it equals the eval-style resample of the whole image.
            var whole = new EvalImageTransform(resize: 16, size: 16);
            var e = Apply(whole, image, 0);
            for (var i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - e[i]) < 1e-4);
        }

        [Fact]
        public void JitterChangesColoursButKeepsAGreyImageGrey()
        {
            using var image = TestImages.Image(50, 50, (x, y) => ((byte)(x * 5), (byte)(x * 5), (byte)(x * 5)));
            var jitter = new TrainImageTransform(size: 16, flipProbability: 0);
            var noJitter = new TrainImageTransform(size: 16, flipProbability: 0, brightness: 0, contrast: 0, saturation: 0);
            var a = Apply(jitter, image, 9);
            var b = Apply(noJitter, image, 9);
            Assert.NotEqual(a, b);
            // Grey stays grey: equal in [0, 1] units across channels.
            for (var i = 0; i < 256; i++)
            {
                var r = a[i] * Net.Std(0) + Net.Mean(0);
                var g = a[256 + i] * Net.Std(1) + Net.Mean(1);
                var bl = a[512 + i] * Net.Std(2) + Net.Mean(2);
                Assert.True(Math.Abs(r - g) < 1e-4 && Math.Abs(r - bl) < 1e-4, $"pixel {i}: {r} {g} {bl}");
            }
        }

        [Property(MaxTest = 200)]
        public void RandomResizedCropStaysInsideTheImageWithTheRequestedAreaAndRatio(PositiveInt w, PositiveInt h, ulong seed)
        {
            var width = w.Get % 800 + 1;
            var height = h.Get % 800 + 1;
            var transform = new TrainImageTransform();
            var rng = new SampleRandom(seed);
            var (x, y, cw, ch) = transform.SampleCrop(width, height, ref rng);
            Assert.InRange(cw, 1, width);
            Assert.InRange(ch, 1, height);
            Assert.InRange(x, 0, width - cw);
            Assert.InRange(y, 0, height - ch);
            // Either a sampled crop (area and ratio within range up to rounding) or the central fallback.
            var fallback = x == (width - cw) / 2 && y == (height - ch) / 2 && (cw == width || ch == height);
            var area = (double)cw * ch / ((double)width * height);
            var ratio = (double)cw / ch;
            var slack = 1.0 / Math.Min(cw, ch) + 1.0 / Math.Min(width, height);
            var sampled = area >= 0.08 * (1 - 2 * slack) - 1e-9 && area <= 1.0 + 1e-9
                && ratio >= 0.75 * (1 - 2 * slack) && ratio <= 4.0 / 3.0 * (1 + 2 * slack);
            Assert.True(fallback || sampled, $"{width}x{height}: crop ({x}, {y}, {cw}, {ch})");
        }

        [Fact]
        public void BadArgumentsAreRejected()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(scaleMin: 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(scaleMin: 0.5, scaleMax: 0.4));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(ratioMin: 2, ratioMax: 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(flipProbability: 1.5));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(contrast: -0.1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new TrainImageTransform(size: 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new EvalImageTransform(resize: 200, size: 224));
            Assert.Throws<ArgumentOutOfRangeException>(() => new EvalImageTransform(normalization: new ImageNormalization(0, 0, 0, 1, 0, 1)));
            using var image = TestImages.Image(8, 8, (x, y) => (0, 0, 0));
            Assert.Throws<ArgumentException>(() => new EvalImageTransform(8, 8).Apply(image, 0, new float[10]));
        }
    }
}
