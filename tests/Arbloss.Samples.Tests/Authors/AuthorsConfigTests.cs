using System.Collections.Generic;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Xunit;

namespace Arbloss.Samples.Tests.Authors
{
    /// <summary>Each of the authors' config files loads unchanged, with the values their code reads, and also with the
    /// overrides of a smoke run.</summary>
    public class AuthorsConfigTests
    {
        [Fact]
        public void AllThirtyTwoFilesArePresent()
        {
            var all = AuthorsConfigs.All();
            Assert.Equal(32, all.Count);
            Assert.Equal(12, all.Count(f => f.StartsWith("cifar10/")));
            Assert.Equal(12, all.Count(f => f.StartsWith("cifar100/")));
            Assert.Equal(4, all.Count(f => f.StartsWith("imagenet/")));
            Assert.Equal(3, all.Count(f => f.StartsWith("ina2018/")));
            Assert.Single(all, f => f.StartsWith("places/"));
        }

        [Theory]
        [MemberData(nameof(AuthorsConfigs.Cases), MemberType = typeof(AuthorsConfigs))]
        public void LoadsAsTheAuthorsCodeReadsIt(string file)
        {
            var cfg = ConfigLoader.LoadFile(AuthorsConfigs.PathOf(file));
            var folder = file.Split('/')[0];
            var stem = Path.GetFileNameWithoutExtension(file);

            // The facts each file states, read here from the folder and file names of the authors' tree.
            var (dataset, classes, large) = folder switch
            {
                "cifar10" => ("cifar10", 10, false),
                "cifar100" => ("cifar100", 100, false),
                "imagenet" => ("imagenet-lt", 1000, true),
                "ina2018" => ("inaturalist2018", 8142, true),
                _ => ("places-lt", 365, true),
            };
            Assert.Equal(dataset, cfg.Dataset);
            Assert.Equal(classes, cfg.NumClasses);
            Assert.Equal(large ? "resnet50_fe" : "resnet32_fe", cfg.Backbone);
            double? imb = large ? null : stem.Contains("imb001") ? 0.01 : stem.Contains("imb002") ? 0.02 : 0.1;
            Assert.Equal(imb, cfg.ImbFactor);
            bool arb = stem.Contains("arbloss");
            string expectedLoss = !arb ? "cross_entropy" : stem.Contains("ugcc") ? "arb_global" : "arb_batch";
            Assert.Equal(expectedLoss, cfg.Loss);
            // The file name says mixup where the file sets it (one CIFAR-10 file's `name` says mixup, its `mixup` does not).
            Assert.Equal(stem.Contains("mixup"), cfg.Mixup);
            Assert.Equal(large, cfg.Cos);
            Assert.Equal(large ? 0 : 5, cfg.WarmupEpochs);
            Assert.Equal(0.9, cfg.Momentum);
            Assert.Equal(0.1, cfg.Lr);
            // Two ImageNet-LT files without mixup use 768.
            Assert.Equal(!large ? 128 : folder == "imagenet" && !stem.Contains("mixup") && arb ? 768 : 1024, cfg.BatchSize);
            Assert.Equal(folder switch { "cifar10" or "cifar100" => 2e-4, "ina2018" => 1e-4, _ => 5e-4 }, cfg.WeightDecay);
            Assert.Equal(folder == "places" ? 90 : 200, cfg.NumEpochs);
            Assert.Equal(large ? 0.2 : 1.0, cfg.Alpha);
            Assert.False(cfg.Deterministic);
            Assert.Equal(("logs", "ckps"), (cfg.LogDir, cfg.ModelDir));
            Assert.Equal("", cfg.Resume);
            Assert.NotNull(cfg.HeadClassIdx);
            Assert.Equal(classes, cfg.TailClassIdx!.Value.End);
            // Their multi-GPU and stage keys are accepted, and reported once as having no effect.
            foreach (var key in new[] { "gpu", "world_size", "rank", "dist_url", "dist_backend", "multiprocessing_distributed", "distributed", "mode" })
                Assert.Contains(key, cfg.IgnoredKeys);
            Assert.Equal(cfg.IgnoredKeys.Count, cfg.IgnoredKeys.Distinct().Count());
        }

        [Theory]
        [MemberData(nameof(AuthorsConfigs.Cases), MemberType = typeof(AuthorsConfigs))]
        public void SmokeRunOverridesAreAccepted(string file)
        {
            // num_epochs below the 5 warm-up epochs of the step schedule: the authors' formula simply runs (lr * 1 / 5).
            var cfg = ConfigLoader.LoadFile(AuthorsConfigs.PathOf(file), new[] { "num_epochs=1", "batch_size=16" });
            Assert.Equal((1, 16), (cfg.NumEpochs, cfg.BatchSize));
            double expectedFirstLr = cfg.Cos ? cfg.Lr : cfg.Lr / 5;
            Assert.Equal(expectedFirstLr, Arbloss.Samples.Training.LearningRateSchedule.At(cfg, 0), 12);
        }

        [Fact]
        public void EveryKeyOfTheAuthorsDefaultsIsAccepted()
        {
            // utils/logger.py's defaults (their _C), each with its default value, on a CIFAR-10 file; the class ranges are
            // those of their CIFAR-10 files (their defaults, [0, 1] three times, overlap, which the shot groups refuse).
            var defaults = new Dictionary<string, string>
            {
                ["name"] = "''", ["print_freq"] = "40", ["workers"] = "16", ["log_dir"] = "'logs'", ["model_dir"] = "'ckps'",
                ["dataset"] = "'cifar10'", ["data_path"] = "'./data/cifar10'", ["num_classes"] = "10", ["imb_factor"] = "0.01",
                ["backbone"] = "'resnet32_fe'", ["resume"] = "''", ["head_class_idx"] = "[0, 3]", ["med_class_idx"] = "[3, 7]",
                ["tail_class_idx"] = "[7, 10]", ["deterministic"] = "True", ["gpu"] = "0", ["world_size"] = "-1", ["rank"] = "-1",
                ["dist_url"] = "'env://'", ["dist_backend"] = "'nccl'", ["multiprocessing_distributed"] = "False",
                ["distributed"] = "False", ["mode"] = "None", ["smooth_tail"] = "None", ["smooth_head"] = "None",
                ["shift_bn"] = "False", ["lr_factor"] = "None", ["lr"] = "0.1", ["batch_size"] = "128", ["weight_decay"] = "0.002",
                ["num_epochs"] = "200", ["momentum"] = "0.9", ["cos"] = "False", ["mixup"] = "True", ["alpha"] = "1.0",
                ["arbloss"] = "False", ["warbloss"] = "False", ["arb_loss_use_global_class_cnt"] = "False", ["LAS"] = "False",
                ["not_pretrained"] = "False", ["arbloss_fl"] = "False", ["train_stage2_instance"] = "False",
            };
            var yaml = string.Join("\n", defaults.Select(kv => $"{kv.Key}: {kv.Value}")).Replace("name: ''", "name: defaults");
            var cfg = ConfigLoader.Parse(yaml, "defaults.yaml");
            Assert.Equal("cross_entropy", cfg.Loss);
            Assert.True(cfg.Mixup);
            Assert.True(cfg.Deterministic);
            Assert.Equal(new[] { "gpu", "world_size", "rank", "dist_url", "dist_backend", "multiprocessing_distributed", "distributed", "mode", "shift_bn", "lr_factor", "train_stage2_instance" }.OrderBy(k => k),
                cfg.IgnoredKeys.OrderBy(k => k));
        }

        [Theory]
        [InlineData("arbloss: True", "arb_batch")]
        [InlineData("arbloss: True\narb_loss_use_global_class_cnt: True", "arb_global")]
        [InlineData("arbloss_fl: True", "arb_focal_batch")]
        [InlineData("arbloss_fl: True\narb_loss_use_global_class_cnt: True", "arb_focal_global")]
        [InlineData("warbloss: True", "arb_weighted_batch")]
        [InlineData("warbloss: True\narb_loss_use_global_class_cnt: True", "arb_weighted_global")]
        [InlineData("LAS: True\nsmooth_head: 0.4\nsmooth_tail: 0.1", "label_aware_smoothing")]
        [InlineData("LAS: True\narbloss: True\nsmooth_head: 0.4\nsmooth_tail: 0.1", "arb_las_batch")]
        [InlineData("LAS: True\narbloss: True\narb_loss_use_global_class_cnt: True\nsmooth_head: 0.4\nsmooth_tail: 0.1", "arb_las_global")]
        // The authors' precedence: arbloss before arbloss_fl before warbloss.
        [InlineData("arbloss: True\narbloss_fl: True\nwarbloss: True", "arb_batch")]
        [InlineData("arbloss_fl: True\nwarbloss: True", "arb_focal_batch")]
        public void TheAuthorsLossSwitchesPickTheirLoss(string switches, string loss)
        {
            var cfg = ConfigLoader.Parse("dataset: cifar10\n" + switches, "switches.yaml");
            Assert.Equal(loss, cfg.Loss);
            if (loss.Contains("smoothing") || loss.Contains("las"))
                Assert.Equal((0.4, 0.1), (cfg.LossOptions["smooth_head"], cfg.LossOptions["smooth_tail"]));
        }

        [Fact]
        public void LasWithoutItsSmoothingNamesTheMissingKey()
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nLAS: True\nsmooth_tail: 0.1", "las.yaml"));
            Assert.Equal("smooth_head", e.Key);
            Assert.Contains("smooth_head", e.Message);
        }

        [Fact]
        public void AnExplicitWarmUpBeyondTheEpochsIsStillNamed()
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nnum_epochs: 3\nwarmup_epochs: 4", "w.yaml"));
            Assert.Equal("warmup_epochs", e.Key);
        }
    }
}
