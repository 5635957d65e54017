using System;
using System.Collections.Generic;
using System.Threading;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Reporting;
using Arbloss.Samples.Training;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>Tiny training runs on a generated Fashion-MNIST-format dataset.</summary>
    public static class Runs
    {
        public static string TinyFashionMnist(TempDir dir)
        {
            var folder = dir.Combine("fm");
            TestData.WriteFashionMnist(folder, trainPerClass: 30, testPerClass: 10);
            return folder;
        }

        public static TrainingConfig Config(string dataFolder, string extra = "")
        {
            var yaml = $@"
name: tiny
dataset: fashion-mnist
data_path: '{dataFolder}'
imb_factor: 0.1
head_class_idx: [0, 3]
med_class_idx: [3, 7]
tail_class_idx: [7, 10]
lr: 0.05
batch_size: 32
weight_decay: 5e-4
num_epochs: 3
momentum: 0.9
cos: true
workers: 1
print_freq: 2
seed: 7
deterministic: true
{extra}";
            return ConfigLoader.Parse(yaml, "tiny.yaml");
        }

        public static TrainerOptions Options(TempDir dir, string output, ITrainingObserver? observer = null, CancellationToken token = default) => new()
        {
            OutputDir = dir.Combine(output),
            Data = new DataContext(allowDownload: false, cacheRoot: dir.Combine("cache")),
            Dataset = new FashionMnistProvider(systemFolders: Array.Empty<string>()),
            Observer = observer,
            Cancellation = token,
        };

        /// <summary>Records events and can cancel after a given epoch.</summary>
        public sealed class Recorder : ITrainingObserver
        {
            private readonly CancellationTokenSource? _cancel;
            private readonly int _stopAfter;

            private readonly (int Epoch, int Batch)? _stopInside;

            public Recorder(CancellationTokenSource? cancel = null, int stopAfter = int.MaxValue, (int Epoch, int Batch)? stopInside = null)
            {
                _cancel = cancel;
                _stopAfter = stopAfter;
                _stopInside = stopInside;
            }

            public List<string> Events { get; } = new();

            public RunInfo? Info { get; private set; }

            public void RunStarted(RunInfo info)
            {
                Info = info;
                Events.Add("start");
            }

            public void EpochStarted(int epoch, int batches, double lr) => Events.Add($"epoch {epoch}");

            public void BatchCompleted(BatchProgress progress)
            {
                Events.Add("batch");
                if (_stopInside is var (epoch, batch) && progress.Epoch == epoch && progress.Batch == batch) _cancel?.Cancel();
            }

            public void EpochCompleted(EpochRecord record, bool isBest)
            {
                Events.Add($"done {record.Epoch}");
                if (record.Epoch >= _stopAfter) _cancel?.Cancel();
            }

            public void RunCompleted(RunResults results) => Events.Add("end");

            public void Message(string line) => Events.Add("message");
        }
    }
}
