using System.IO;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Xunit;

namespace Arbloss.Samples.Tests.LargeScale
{
    public class LargeScaleConfigTests
    {
        [Theory]
        [InlineData("imagenet-lt/resnet50_arb_global_mixup.yaml", "imagenet-lt", 1000, "resnet50", 5e-4, 200, 4, false)]
        [InlineData("inaturalist2018/resnet50_arb_global_mixup.yaml", "inaturalist2018", 8142, "resnet50", 1e-4, 200, 4, false)]
        [InlineData("places-lt/resnet152_frozen_arb_global_mixup.yaml", "places-lt", 365, "resnet152", 5e-4, 90, 2, true)]
        public void ShippedConfigsCarryTheAuthorsHyperParameters(string path, string dataset, int classes, string backbone,
            double weightDecay, int epochs, int accumulation, bool frozen)
        {
            var cfg = ConfigLoader.LoadFile(Path.Combine(ShippedConfigs.Folder, path));
            Assert.Equal((dataset, classes, backbone), (cfg.Dataset, cfg.NumClasses, cfg.Backbone));
            Assert.Equal((0.1, 1024, 0.9, weightDecay, epochs, true, 0), (cfg.Lr, cfg.BatchSize, cfg.Momentum, cfg.WeightDecay, cfg.NumEpochs, cfg.Cos, cfg.WarmupEpochs));
            Assert.Equal(("arb_global", true, 0.2), (cfg.Loss, cfg.Mixup, cfg.Alpha));
            Assert.Equal(accumulation, cfg.AccumulationSteps);
            Assert.Equal(frozen, cfg.FreezeBackbone);
            Assert.Equal(frozen, cfg.Pretrained.Length > 0);
            Assert.Null(cfg.HeadClassIdx); // shot groups by training count
            Assert.Equal(0, cfg.ImageSize);  // the authors' 224
        }

        [Theory]
        [InlineData("ImageNet_LT", "imagenet-lt")]
        [InlineData("inat18", "inaturalist2018")]
        [InlineData("Places_LT", "places-lt")]
        public void DatasetNamesAndAliasesResolveToTheListFileProviders(string name, string canonical)
        {
            Assert.Equal(canonical, DatasetRegistry.Canonical(name));
            Assert.IsType<ImageListProvider>(DatasetRegistry.Get(name));
            var cfg = ConfigLoader.Parse($"dataset: {name}\n", "x.yaml");
            Assert.Equal(canonical == "places-lt" ? "resnet152" : "resnet50", cfg.Backbone);
        }

        [Theory]
        [InlineData("dataset: imagenet-lt\nbatch_size: 1024\naccumulation_steps: 3\n", "accumulation_steps")]
        [InlineData("dataset: imagenet-lt\naccumulation_steps: 0\n", "accumulation_steps")]
        [InlineData("dataset: cifar10\nbackbone: resnet32\nbf16: true\n", "bf16")]
        [InlineData("dataset: cifar10\nbackbone: resnet32\nfreeze_backbone: true\n", "freeze_backbone")]
        [InlineData("dataset: cifar10\nbackbone: resnet32\npretrained: w.pth\n", "pretrained")]
        [InlineData("dataset: cifar10\nimage_size: 32\n", "image_size")]
        [InlineData("dataset: imagenet-lt\nimage_size: 4\n", "image_size")]
        [InlineData("dataset: imagenet-lt\nnum_classes: 10\n", "num_classes")]
        public void LargeScaleKeysAreValidatedWithTheKeyNamed(string yaml, string key)
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "bad.yaml"));
            Assert.Equal(key, e.Key);
            Assert.Contains(key, e.Message);
        }

        [Theory]
        [InlineData("image_root: /data\n", "'image_root' applies to imagenet-lt, inaturalist2018, places-lt, seg-list, not to cifar10")]
        [InlineData("image_size: 64\n", "'image_size' applies to imagenet-lt, inaturalist2018, places-lt, synthetic-seg, seg-list, not to cifar10")]
        [InlineData("train_scenes: 10\n", "'train_scenes' applies to the generated segmentation datasets (synthetic-seg), not to cifar10")]
        public void AKeyOfOtherDatasetsNamesTheRegisteredDatasetsThatTakeIt(string yaml, string expected)
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n" + yaml, "bad.yaml"));
            Assert.Contains(expected, e.Message);
        }

        [Fact]
        public void MissingDataPathSaysWhereTheListsGo()
        {
            var cfg = ConfigLoader.Parse("dataset: places-lt\n", "x.yaml");
            var e = Assert.Throws<DatasetUnavailableException>(() => DatasetRegistry.Get("places-lt").Load(cfg, new DataContext(allowDownload: false)));
            Assert.Contains("Places_LT_train.txt", e.Message);
            Assert.Contains("data_path", e.Message);
        }
    }
}
