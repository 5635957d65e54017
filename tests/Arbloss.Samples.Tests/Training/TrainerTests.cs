using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Training
{
    [Collection(TorchRngCollection.Name)]
    public class TrainerTests
    {
        [Fact]
        public void OneEpochEndToEndWritesEverything()
        {
            using var dir = new TempDir();
            var config = Runs.Config(Runs.TinyFashionMnist(dir), "gradient_balance: true") with { NumEpochs = 1, Loss = "arb_batch" };
            var recorder = new Runs.Recorder();
            var trainer = new Trainer(config, Runs.Options(dir, "out", recorder));
            var results = trainer.Run();

            Assert.Equal(new[] { "start", "epoch 1" }, recorder.Events.Take(2));
            Assert.Equal(new[] { "done 1", "end" }, recorder.Events.TakeLast(2));
            Assert.Equal(new long[] { 30, 23, 17, 13, 10, 8, 6, 5, 3, 3 }, results.TrainClassCounts);
            var paths = trainer.Paths;
            foreach (var file in new[] { paths.Results, paths.Log, paths.LastCheckpoint, paths.BestCheckpoint, paths.GradientBalance,
                Path.Combine(paths.PlotDir, "accuracy.png"), Path.Combine(paths.PlotDir, "per_class_accuracy.png"),
                Path.Combine(paths.PlotDir, "reliability.png"), Path.Combine(paths.PlotDir, "gradient_balance.png") })
                Assert.True(File.Exists(file) && new FileInfo(file).Length > 0, file);
            Assert.Empty(Directory.GetFiles(paths.OutputDir, "*.tmp", SearchOption.AllDirectories));

            // results.json: the documented fields, present and sane.
            using var json = JsonDocument.Parse(File.ReadAllText(paths.Results));
            var root = json.RootElement;
            Assert.Equal("tiny", root.GetProperty("name").GetString());
            Assert.Equal("fashion-mnist-lt", root.GetProperty("dataset").GetString());
            Assert.Equal("arb_batch", root.GetProperty("loss").GetString());
            Assert.Equal(1, root.GetProperty("epochs").GetInt32());
            Assert.True(root.GetProperty("top5").GetDouble() >= root.GetProperty("top1").GetDouble());
            // The group accuracies are the means of their classes' accuracies (balanced test set), and the ECE is the
            // count-weighted gap of the reliability bins: recomputed here from the other fields of the same file.
            var perClassAcc = root.GetProperty("per_class_accuracy").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            foreach (var group in new[] { "many", "medium", "few" })
            {
                var members = root.GetProperty("shot_groups").GetProperty(group).EnumerateArray().Select(e => e.GetInt32()).ToArray();
                Assert.Equal(members.Average(i => perClassAcc[i]), root.GetProperty(group).GetDouble(), 6);
            }
            var bins = root.GetProperty("reliability").EnumerateArray().ToArray();
            double binned = bins.Sum(b => b.GetProperty("count").GetInt64() * Math.Abs(b.GetProperty("accuracy").GetDouble() - b.GetProperty("confidence").GetDouble()));
            Assert.Equal(binned / bins.Sum(b => b.GetProperty("count").GetInt64()), root.GetProperty("ece").GetDouble(), 4);
            Assert.Equal(10, root.GetProperty("per_class_accuracy").GetArrayLength());
            Assert.Equal(results.TrainClassCounts, root.GetProperty("train_class_counts").EnumerateArray().Select(e => e.GetInt64()));
            Assert.True(root.GetProperty("seconds").GetDouble() > 0);
            Assert.True(root.GetProperty("images_per_second").GetDouble() > 0);
            double meanPerClass = root.GetProperty("per_class_accuracy").EnumerateArray().Average(e => e.GetDouble());
            Assert.Equal(root.GetProperty("top1").GetDouble(), meanPerClass, 6); // balanced test set

            var csv = File.ReadAllLines(paths.Log);
            Assert.Equal(CsvLog.Header, csv[0]);
            Assert.Equal(2, csv.Length);
            Assert.StartsWith("1,0.05,", csv[1]);
        }

        [Fact]
        public void ResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
        {
            using var dir = new TempDir();
            var config = Runs.Config(Runs.TinyFashionMnist(dir), "mixup: true\nalpha: 1.0");
            var straight = new Trainer(config, Runs.Options(dir, "straight") with { WritePlots = false }).Run();
            Assert.True(straight.Completed);

            using var cancel = new CancellationTokenSource();
            var interrupted = new Trainer(config, Runs.Options(dir, "resumed", new Runs.Recorder(cancel, stopAfter: 1), cancel.Token) with { WritePlots = false }).Run();
            Assert.False(interrupted.Completed);
            Assert.Equal(1, interrupted.Epochs);

            var resumedConfig = config with { Resume = dir.Combine("resumed") };
            var recorder = new Runs.Recorder();
            var resumed = new Trainer(resumedConfig, Runs.Options(dir, "resumed", recorder) with { WritePlots = false }).Run();
            Assert.True(resumed.Completed);
            Assert.Equal(2, recorder.Info!.FirstEpoch);
            Assert.DoesNotContain("epoch 1", recorder.Events);

            Assert.Equal(straight.Top1, resumed.Top1);
            Assert.Equal(straight.PerClassAccuracy, resumed.PerClassAccuracy);
            using var a = Load(dir.Combine("straight", "checkpoints", "last.ckpt"));
            using var b = Load(dir.Combine("resumed", "checkpoints", "last.ckpt"));
            var bState = b.state_dict();
            foreach (var (name, tensor) in a.state_dict())
                Assert.True(tensor.equal(bState[name]).all().item<bool>(), $"{name} differs");
            Assert.Equal(File.ReadAllLines(dir.Combine("straight", "log.csv")).Select(DropTimes), File.ReadAllLines(dir.Combine("resumed", "log.csv")).Select(DropTimes));
        }

        [Fact]
        public void CifarRecipeTrainsResNet32WithMixupFromAnArchive()
        {
            using var dir = new TempDir();
            TestData.WriteTarGz(dir.Combine("cifar-10-binary.tar.gz"), "cifar-10-batches-bin", TestData.CifarFiles(false, trainPerFile: 8, test: 20));
            var shipped = ConfigLoader.LoadFile(ShippedConfigs.Resolve("cifar10-lt/imb0.1_arb_mixup"),
                new[] { $"data_path='{dir.Path}'", "num_epochs=1", "warmup_epochs=1", "batch_size=16", "workers=2" });
            var results = new Trainer(shipped, new TrainerOptions
            {
                OutputDir = dir.Combine("out"), WritePlots = false,
                Data = new Arbloss.Samples.Data.DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")),
            }).Run();
            Assert.Equal("cifar10-lt", results.Dataset);
            Assert.Equal("arb_batch", results.Loss);
            Assert.Equal(464_154, results.Parameters);
            Assert.Equal(new[] { 0, 1, 2 }, results.ShotGroups["many"]);
            Assert.Equal(new[] { 7, 8, 9 }, results.ShotGroups["few"]);
            Assert.True(File.Exists(dir.Combine("out", "checkpoints", "last.ckpt")));
        }

        [Fact]
        public void StopInsideAnEpochKeepsTheLastFinishedEpoch()
        {
            using var dir = new TempDir();
            var config = Runs.Config(Runs.TinyFashionMnist(dir));
            using var cancel = new CancellationTokenSource();
            var recorder = new Runs.Recorder(cancel, stopInside: (2, 1));
            var results = new Trainer(config, Runs.Options(dir, "run", recorder, cancel.Token) with { WritePlots = false }).Run();
            Assert.False(results.Completed);
            Assert.Equal(1, results.Epochs);
            var state = Checkpoint.ReadState(dir.Combine("run", "checkpoints", "last.ckpt"));
            Assert.Equal(1, state.EpochsCompleted);
            // The results describe the checkpointed weights, not the abandoned half epoch.
            Assert.Equal(state.History[0].Top1, results.Top1);
            Assert.Equal(2, File.ReadAllLines(dir.Combine("run", "log.csv")).Length);
        }

        private static string DropTimes(string csvLine) => string.Join(',', csvLine.Split(',').Take(10));

        private static ClassifierNetwork Load(string checkpoint)
        {
            var model = new FashionMnistNet(10);
            Checkpoint.LoadModel(checkpoint, model);
            return model;
        }

        [Fact]
        public void ResumeChecksTheSettingsAndTheFile()
        {
            using var dir = new TempDir();
            var config = Runs.Config(Runs.TinyFashionMnist(dir)) with { NumEpochs = 1 };
            new Trainer(config, Runs.Options(dir, "run") with { WritePlots = false }).Run();
            var wrongLoss = config with { Resume = dir.Combine("run"), Loss = "arb_global", NumEpochs = 2 };
            Assert.Equal("loss", Assert.Throws<ConfigException>(() => new Trainer(wrongLoss, Runs.Options(dir, "run2")).Run()).Key);
            var missing = config with { Resume = dir.Combine("nowhere.ckpt") };
            Assert.Equal("resume", Assert.Throws<ConfigException>(() => new Trainer(missing, Runs.Options(dir, "run3")).Run()).Key);
            // A finished run resumed again trains nothing and reports the same results.
            var again = new Trainer(config with { Resume = dir.Combine("run") }, Runs.Options(dir, "run") with { WritePlots = false }).Run();
            Assert.Equal(1, again.Epochs);
            Assert.True(again.Completed);
        }

        [Fact]
        public void CheckpointsRoundTripAndRejectForeignFiles()
        {
            using var dir = new TempDir();
            using var model = new FashionMnistNet(10);
            using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
            using (var scope = NewDisposeScope())
            {
                var loss = model.call(randn(4, 1, 28, 28)).sum();
                loss.backward();
                optimizer.step();
            }
            var path = dir.Combine("c.ckpt");
            Checkpoint.Save(path, model, optimizer, new CheckpointState { Name = "x", Backbone = "fashion_mnist_cnn", NumClasses = 10, EpochsCompleted = 4 });
            Assert.Equal(4, Checkpoint.ReadState(path).EpochsCompleted);
            Assert.True(File.Exists(path + ".json"));
            using var copy = new FashionMnistNet(10);
            Checkpoint.LoadModel(path, copy);
            var copyState = copy.state_dict();
            foreach (var (name, tensor) in model.state_dict()) Assert.True(tensor.equal(copyState[name]).all().item<bool>(), name);
            using var copyOptimizer = optim.SGD(copy.parameters(), 0.1, momentum: 0.9);
            Checkpoint.LoadOptimizer(path, copyOptimizer);

            File.WriteAllText(dir.Combine("text.ckpt"), "hello");
            Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(dir.Combine("text.ckpt")));
            File.WriteAllBytes(dir.Combine("cut.ckpt"), File.ReadAllBytes(path)[..2000]);
            Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(dir.Combine("cut.ckpt"), new FashionMnistNet(10)));
            Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(path, new MlpNet(784, 10)));
            Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadState(dir.Combine("none.ckpt")));
            Checkpoint.Save(dir.Combine("weights.ckpt"), model, null, new CheckpointState());
            Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(dir.Combine("weights.ckpt"), copyOptimizer));
        }
    }
}
