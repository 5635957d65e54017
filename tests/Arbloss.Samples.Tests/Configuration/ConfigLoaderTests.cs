using System;
using System.IO;
using System.Linq;
using Arbloss.Samples.Configuration;
using Xunit;

namespace Arbloss.Samples.Tests.Configuration
{
    public class ConfigLoaderTests
    {
        // A config in the authors' format (their MiSLAS-style keys, including distributed-training ones).
        private const string AuthorsCifar = @"
name: cifar10_imb001_stage1_mixup
print_freq: 40
workers: 16
log_dir: 'logs'
model_dir: 'ckps'
dataset: 'cifar10'
data_path: './data/cifar10'
num_classes: 10
imb_factor: 0.01
backbone: 'resnet32_fe'
resume: ''
head_class_idx:
  - 0
  - 3
med_class_idx:
  - 3
  - 7
tail_class_idx:
  - 7
  - 10
deterministic: False
distributed: False
gpu: null
world_size: -1
rank: -1
dist_url: 'tcp://224.66.41.62:23456'
dist_backend: 'nccl'
multiprocessing_distributed: False
mode: 'stage1'
lr: 0.1
batch_size: 128
weight_decay: 2e-4
num_epochs: 200
momentum: 0.9
cos: False
mixup: True
alpha: 1.0
arbloss: True
arb_loss_use_global_class_cnt: False
";

        [Fact]
        public void AuthorsFileLoadsAsItIs()
        {
            var cfg = ConfigLoader.Parse(AuthorsCifar, "authors.yaml");
            Assert.Equal("cifar10_imb001_stage1_mixup", cfg.Name);
            Assert.Equal("cifar10", cfg.Dataset);
            Assert.Equal(10, cfg.NumClasses);
            Assert.Equal(0.01, cfg.ImbFactor);
            Assert.Equal("resnet32_fe", cfg.Backbone);
            Assert.Equal(new ClassRange(0, 3), cfg.HeadClassIdx);
            Assert.Equal(new ClassRange(7, 10), cfg.TailClassIdx);
            Assert.Equal(2e-4, cfg.WeightDecay);
            Assert.True(cfg.Mixup);
            Assert.Equal("arb_batch", cfg.Loss);
            Assert.Equal(5, cfg.WarmupEpochs);
            Assert.Equal(new[] { 160, 240 }, cfg.LrSteps);
            Assert.Contains("gpu", cfg.IgnoredKeys);
            Assert.Contains("dist_url", cfg.IgnoredKeys);
        }

        [Theory]
        [InlineData("learning_rate: 0.1", "learning_rate")]
        [InlineData("lr: abc", "lr")]
        [InlineData("lr: -0.1", "lr")]
        [InlineData("imb_factor: 2", "imb_factor")]
        [InlineData("imb_factor: 0", "imb_factor")]
        [InlineData("batch_size: 0", "batch_size")]
        [InlineData("batch_size: 12.5", "batch_size")]
        [InlineData("num_epochs: many", "num_epochs")]
        [InlineData("momentum: 1.0", "momentum")]
        [InlineData("cos: maybe", "cos")]
        [InlineData("backbone: resnet9000", "backbone")]
        [InlineData("loss: hinge", "loss")]
        [InlineData("sampler: lottery", "sampler")]
        [InlineData("num_classes: 100", "num_classes")]
        [InlineData("head_class_idx: [3, 0]", "head_class_idx")]
        [InlineData("head_class_idx: 3", "head_class_idx")]
        [InlineData("loss_options: {gamma: 2}", "loss_options")]
        [InlineData("warmup_epochs: 500", "warmup_epochs")]
        [InlineData("lr_steps: [100, 50]", "lr_steps")]
        [InlineData("name: a/b", "name")]
        public void BadKeyOrValueNamesTheKey(string line, string key)
        {
            var yaml = "dataset: cifar10\n" + line + "\n";
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, "bad.yaml"));
            Assert.Equal(key, e.Key);
            Assert.Contains($"'{key}'", e.Message);
            Assert.Contains("bad.yaml", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }

        [Fact]
        public void UnknownKeySuggestsTheClosestOne()
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nnum_epoch: 3\n", "x.yaml"));
            Assert.Equal("num_epoch", e.Key);
            Assert.Contains("num_epochs", e.Message);
            Assert.Contains("line 2", e.Message);
        }

        [Fact]
        public void MissingDatasetAndMissingRangeAreErrors()
        {
            Assert.Equal("dataset", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("lr: 0.1\n", "x.yaml")).Key);
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nhead_class_idx: [0, 3]\ntail_class_idx: [7, 10]\n", "x.yaml"));
            Assert.Equal("med_class_idx", e.Key);
            var overlap = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nhead_class_idx: [0, 5]\nmed_class_idx: [3, 7]\ntail_class_idx: [7, 10]\n", "x.yaml"));
            Assert.Equal("head_class_idx", overlap.Key);
        }

        [Fact]
        public void NotYamlOrNotAMappingIsAnError()
        {
            Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: [cifar10\n", "x.yaml"));
            Assert.Throws<ConfigException>(() => ConfigLoader.Parse("- a\n- b\n", "x.yaml"));
            Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nlr: 0.1\nlr: 0.2\n", "x.yaml"));
        }

        [Fact]
        public void LossAndArbSwitchesAgreeOrFail()
        {
            Assert.Equal("cross_entropy", ConfigLoader.Parse("dataset: cifar10\n", "x").Loss);
            Assert.Equal("arb_global", ConfigLoader.Parse("dataset: cifar10\narbloss: true\narb_loss_use_global_class_cnt: true\n", "x").Loss);
            Assert.Equal("arb_global", ConfigLoader.Parse("dataset: cifar10\nloss: arb\narb_loss_use_global_class_cnt: true\n", "x").Loss);
            Assert.Equal("focal", ConfigLoader.Parse("dataset: cifar10\nloss: focal\nloss_options: {gamma: 1.5}\n", "x").Loss);
            Assert.Equal("loss", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nloss: focal\narbloss: true\n", "x")).Key);
            Assert.Equal("loss", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nloss: arb_batch\narbloss: true\narb_loss_use_global_class_cnt: true\n", "x")).Key);
            var badValue = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nloss: focal\nloss_options: {gamma: -1}\n", "x"));
            Assert.Equal("loss_options", badValue.Key);
        }

        [Fact]
        public void OverridesReplaceFileValuesAndAreCheckedToo()
        {
            var cfg = ConfigLoader.Parse("dataset: cifar10\nlr: 0.1\n", "x", "run", new[] { "lr=0.05", "head_class_idx=[0,3]", "med_class_idx=[3, 7]", "tail_class_idx=[7,10]", "cos=true" });
            Assert.Equal(0.05, cfg.Lr);
            Assert.Equal(new ClassRange(3, 7), cfg.MedClassIdx);
            Assert.True(cfg.Cos);
            Assert.Equal(0, cfg.WarmupEpochs); // cosine default
            Assert.Equal("lr", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x", "run", new[] { "lr=fast" })).Key);
            Assert.Equal("lrr", Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x", "run", new[] { "lrr=0.1" })).Key);
            Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x", "run", new[] { "lr" }));
        }

        [Fact]
        public void DatasetDefaultsAndAliasesApply()
        {
            var cfg = ConfigLoader.Parse("dataset: CIFAR-100\n", "x");
            Assert.Equal("cifar100", cfg.Dataset);
            Assert.Equal(100, cfg.NumClasses);
            Assert.Equal("resnet32", cfg.Backbone);
            Assert.Equal("fashion_mnist_cnn", ConfigLoader.Parse("dataset: fmnist\n", "x").Backbone);
            Assert.Equal(7, ConfigLoader.Parse("dataset: synthetic\nnum_classes: 7\n", "x").NumClasses);
        }

        [Fact]
        public void MissingFileIsAConfigError()
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Path.Combine(Path.GetTempPath(), "no-such-config-" + Guid.NewGuid() + ".yaml")));
            Assert.Contains("Cannot read", e.Message);
        }

        [Fact]
        public void EveryShippedConfigLoadsAndTheRequiredOnesExist()
        {
            var shipped = ShippedConfigs.List();
            foreach (var (path, description) in shipped)
            {
                var cfg = ConfigLoader.LoadFile(Path.Combine(ShippedConfigs.Folder, path));
                Assert.False(string.IsNullOrWhiteSpace(description), path);
                Assert.Empty(cfg.IgnoredKeys);
            }
            var names = shipped.Select(s => s.RelativePath).ToHashSet();
            foreach (var ds in new[] { "cifar10-lt", "cifar100-lt" })
                foreach (var imb in new[] { "0.01", "0.02", "0.1" })
                    foreach (var variant in new[] { "ce", "arb_batch", "arb_mixup", "arb_global" })
                    {
                        var path = $"{ds}/imb{imb}_{variant}.yaml";
                        Assert.Contains(path, names);
                        var cfg = ConfigLoader.LoadFile(Path.Combine(ShippedConfigs.Folder, path));
                        Assert.Equal(double.Parse(imb, System.Globalization.CultureInfo.InvariantCulture), cfg.ImbFactor);
                        Assert.Equal((0.1, 128, 0.9, 2e-4, 200, 5, false), (cfg.Lr, cfg.BatchSize, cfg.Momentum, cfg.WeightDecay, cfg.NumEpochs, cfg.WarmupEpochs, cfg.Cos));
                        Assert.Equal("resnet32_fe", cfg.Backbone);
                        Assert.Equal(variant == "arb_mixup", cfg.Mixup);
                        Assert.Equal(variant switch { "ce" => "cross_entropy", "arb_global" => "arb_global", _ => "arb_batch" }, cfg.Loss);
                    }
            foreach (var loss in new[] { "cross_entropy", "arb_batch", "arb_global" })
            {
                var cfg = ConfigLoader.LoadFile(Path.Combine(ShippedConfigs.Folder, $"fashion-mnist-lt/{loss}.yaml"));
                Assert.Equal((0.05, 128, 0.9, 5e-4, 10, 0, true, 0.01), (cfg.Lr, cfg.BatchSize, cfg.Momentum, cfg.WeightDecay, cfg.NumEpochs, cfg.WarmupEpochs, cfg.Cos, cfg.ImbFactor));
                Assert.Equal(loss, cfg.Loss);
                Assert.False(cfg.Mixup);
            }
        }

        [Fact]
        public void LossTypedOnTheCommandLineWinsOverTheFilesSwitches()
        {
            var arbFile = Path.Combine(ShippedConfigs.Folder, "fashion-mnist-lt", "arb_batch.yaml");
            // The shipped ARB config says arbloss: true and loss: arb_batch; --set loss=focal is stronger.
            var focal = ConfigLoader.LoadFile(arbFile, new[] { "loss=focal" });
            Assert.Equal("focal", focal.Loss);
            Assert.Equal("cross_entropy", ConfigLoader.LoadFile(arbFile, new[] { "loss=cross_entropy" }).Loss);
            // A switch typed on the command line wins over the file's loss.
            Assert.Equal("arb_global", ConfigLoader.Parse("dataset: cifar10\nloss: focal\n", "x", "run", new[] { "arbloss=true", "arb_loss_use_global_class_cnt=true" }).Loss);
            // LAS in the file with a typed loss: the typed loss, without LAS's smoothing options.
            var las = ConfigLoader.Parse("dataset: cifar10\nLAS: true\nsmooth_head: 0.3\nsmooth_tail: 0.0\n", "x", "run", new[] { "loss=cross_entropy" });
            Assert.Equal(("cross_entropy", 0), (las.Loss, las.LossOptions.Count));
            // Both in the file: an error that names the override that works.
            var file = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nloss: focal\narbloss: true\n", "x.yaml"));
            Assert.False(file.FromCommandLine);
            Assert.Contains("--set loss=focal", file.Message);
            // Both typed: a command-line mistake.
            var typed = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x", "run", new[] { "loss=focal", "arbloss=true" }));
            Assert.True(typed.FromCommandLine);
            Assert.Contains("give only one of them", typed.Message);
        }

        [Fact]
        public void MistakesInOverridesAreMarkedAsCommandLineAndNameTheOverrideOnce()
        {
            var value = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x.yaml", "run", new[] { "lr=fast" }));
            Assert.True(value.FromCommandLine);
            Assert.Equal("--set lr=fast: expected a number, got 'fast'.", value.Message);
            var unknown = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x.yaml", "run", new[] { "NUM_EPOCHS=3" }));
            Assert.True(unknown.FromCommandLine);
            Assert.Contains("Did you mean 'num_epochs'?", unknown.Message);
            var form = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\n", "x.yaml", "run", new[] { "lr" }));
            Assert.True(form.FromCommandLine);
            // A cross-key check whose key at fault was typed.
            var range = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nnum_epochs: 3\n", "x.yaml", "run", new[] { "warmup_epochs=9" }));
            Assert.True(range.FromCommandLine);
            // The same mistakes in the file are the file's.
            var inFile = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("dataset: cifar10\nlr: fast\n", "x.yaml"));
            Assert.False(inFile.FromCommandLine);
            Assert.Equal("x.yaml: line 2: 'lr': expected a number, got 'fast'.", inFile.Message);
        }

        [Fact]
        public void AConfigRemembersWhereEachKeyCameFrom()
        {
            var cfg = ConfigLoader.Parse("dataset: cifar10\nlr: 0.1\nresume: ''\n", "x.yaml", "run", new[] { "resume=runs/a" });
            Assert.Equal("--set resume=runs/a", cfg.WhereOf("resume"));
            Assert.Equal("x.yaml: line 2: 'lr'", cfg.WhereOf("lr"));
            Assert.Equal("x.yaml: 'seed'", cfg.WhereOf("seed"));
            Assert.True(cfg.IsTyped("resume"));
            Assert.False(cfg.IsTyped("lr"));
        }

        [Theory]
        [InlineData("NUM_EPOCHS", "num_epochs")]
        [InlineData("num_epoch", "num_epochs")]
        [InlineData("las", "LAS")]
        [InlineData("trian", "train")]
        [InlineData("--confg", "--config")]
        [InlineData("xyz", null)]
        [InlineData("lr", null)]
        public void SuggestionsAreCloseOrNothing(string typed, string? expected)
        {
            var candidates = ConfigKeys.All.Select(k => k.Key).Concat(new[] { "train", "evaluate", "configs", "--config", "--checkpoint", "--out" });
            Assert.Equal(expected, Suggestions.Closest(typed, candidates));
        }
    }
}
