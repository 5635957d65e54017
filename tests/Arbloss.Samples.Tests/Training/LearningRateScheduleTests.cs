using System;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Training;
using Xunit;

namespace Arbloss.Samples.Tests.Training
{
    public class LearningRateScheduleTests
    {
        [Fact]
        public void StepScheduleFollowsTheAuthorsCode()
        {
            var cfg = ConfigLoader.Parse("dataset: cifar10\nlr: 0.1\nnum_epochs: 200\n", "t");
            // Their code: e = epoch + 1; e <= 5: lr * e / 5; e > 240: lr * 0.01; e > 160: lr * 0.1; else lr.
            Assert.Equal(0.02, LearningRateSchedule.At(cfg, 0), 12);
            Assert.Equal(0.08, LearningRateSchedule.At(cfg, 3), 12);
            Assert.Equal(0.1, LearningRateSchedule.At(cfg, 4), 12);
            Assert.Equal(0.1, LearningRateSchedule.At(cfg, 5), 12);
            Assert.Equal(0.1, LearningRateSchedule.At(cfg, 159), 12);
            Assert.Equal(0.01, LearningRateSchedule.At(cfg, 160), 12);
            Assert.Equal(0.01, LearningRateSchedule.At(cfg, 199), 12);
            var longer = cfg with { NumEpochs = 300 };
            Assert.Equal(0.001, LearningRateSchedule.At(longer, 240), 12);
        }

        [Fact]
        public void CosineScheduleFollowsTheAuthorsCode()
        {
            var cfg = ConfigLoader.Parse("dataset: fashion-mnist\nlr: 0.05\nnum_epochs: 10\ncos: true\n", "t");
            for (int e = 0; e < 10; e++)
                Assert.Equal(0.5 * 0.05 * (1 + Math.Cos(Math.PI * e / 10)), LearningRateSchedule.At(cfg, e), 12);
            var warm = cfg with { WarmupEpochs = 2 };
            Assert.Equal(0.025, LearningRateSchedule.At(warm, 0), 12);
            Assert.Equal(0.05, LearningRateSchedule.At(warm, 2), 12);
            Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.At(cfg, -1));
        }
    }
}
