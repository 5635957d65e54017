using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Arbloss.Losses;
using Arbloss.Losses.Diagnostics;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// Where the main job's time goes: the three Fashion-MNIST-LT runs (configs/fashion-mnist-lt/*.yaml, gradient balance
    /// every step as the configs say), with a stopwatch around each phase. The loop mirrors <c>Trainer.TrainEpoch</c>
    /// step for step through the app's own public pieces (data, model, loss factory, loader, evaluator, checkpoints);
    /// plots are not drawn here (run the real job with and without <c>--no-plots</c> for those). On the CPU every
    /// operation is synchronous, so the wall-clock phases are honest.
    /// </summary>
    /// <remarks>
    /// Run: <c>dotnet run -c Release --project benchmarks/Arbloss.Losses.Benchmarks -- profile-main-job [--threads N]
    /// [--epochs N] [--set key=value ...]</c>. "data (loader work)" is the CPU time the loader's threads spend reading
    /// and augmenting samples (in parallel with training); "data (wait)" is how long the training loop waited for a batch.
    /// The trainer's glibc heap setting (Training/NativeHeap.cs) is internal to the app: give it here with
    /// <c>MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824</c>.
    /// </remarks>
    public static class MainJobProfile
    {
        private static readonly string[] Losses = { "cross_entropy", "arb_batch", "arb_global" };

        public static int Run(string[] args)
        {
            int threads = 0, epochs = 0;
            var overrides = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--threads": threads = int.Parse(args[++i]); break;
                    case "--epochs": epochs = int.Parse(args[++i]); break;
                    case "--set": overrides.Add(args[++i]); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            if (threads > 0) torch.set_num_threads(threads);
            Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
            if (epochs > 0) overrides.Add($"num_epochs={epochs}");
            var total = new Phases();
            var wall = Stopwatch.StartNew();
            foreach (var loss in Losses)
            {
                var config = ConfigLoader.LoadFile(ShippedConfigs.Resolve($"fashion-mnist-lt/{loss}.yaml"), overrides);
                var phases = Profile(config);
                Console.WriteLine($"{loss}: {phases.Describe()}");
                total.Add(phases);
            }
            Console.WriteLine($"all three: {total.Describe()}");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            Console.WriteLine($"wall {wall.Elapsed.TotalSeconds:F1} s, process CPU time {cpu.TotalSeconds:F1} s, {torch.get_num_threads()} intra-op threads, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }

        private sealed class Phases
        {
            public double Prepare, Wait, Loader, Forward, Backward, Optimizer, Balance, Bookkeeping, Train, Eval, Checkpoint;

            public void Add(Phases o)
            {
                Prepare += o.Prepare; Wait += o.Wait; Loader += o.Loader; Forward += o.Forward; Backward += o.Backward;
                Optimizer += o.Optimizer; Balance += o.Balance; Bookkeeping += o.Bookkeeping; Train += o.Train; Eval += o.Eval;
                Checkpoint += o.Checkpoint;
            }

            public string Describe()
            {
                double all = Prepare + Train + Eval + Checkpoint;
                string P(double s) => $"{s:F1} s ({100 * s / all:F0} %)";
                string T(double s) => $"{s:F1} s ({100 * s / Train:F0} % of training)";
                return $"total {all:F1} s = prepare {P(Prepare)} + training {P(Train)} + evaluation {P(Eval)} + checkpoints {P(Checkpoint)}; " +
                       $"training = data wait {T(Wait)}, forward {T(Forward)}, loss+backward {T(Backward)}, optimizer {T(Optimizer)}, " +
                       $"gradient balance {T(Balance)}, bookkeeping {T(Bookkeeping)}; data (loader work, in parallel) {T(Loader)}";
            }
        }

        /// <summary>Counts the time the loader's threads spend in the source (reading, augmenting).</summary>
        private sealed class TimedSource : ISampleSource
        {
            private readonly ISampleSource _inner;
            private long _ticks;

            public TimedSource(ISampleSource inner) => _inner = inner;

            public double Seconds => Interlocked.Read(ref _ticks) / (double)Stopwatch.Frequency;
            public int Count => _inner.Count;
            public IReadOnlyList<long> Labels => _inner.Labels;
            public IReadOnlyList<long> SampleShape => _inner.SampleShape;
            public PixelNormalization? Pixels => _inner.Pixels;

            public void Read(int index, Span<float> destination, ulong? augmentationSeed)
            {
                long t = Stopwatch.GetTimestamp();
                _inner.Read(index, destination, augmentationSeed);
                Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - t);
            }

            public void ReadPixels(int index, Span<byte> destination, ulong? augmentationSeed)
            {
                long t = Stopwatch.GetTimestamp();
                _inner.ReadPixels(index, destination, augmentationSeed);
                Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - t);
            }
        }

        private static Phases Profile(TrainingConfig cfg)
        {
            var p = new Phases();
            var clock = Stopwatch.StartNew();
            var device = CPU;
            var splits = Trainer.LoadData(cfg, new DataContext(allowDownload: false));
            var shotGroups = Trainer.ShotGroupsFor(cfg, splits.TrainClassCounts);
            torch.manual_seed(cfg.Seed);
            using var model = Trainer.CreateModel(cfg, splits.Train.SampleShape);
            using var criterion = LossFactory.Create(cfg, splits.TrainClassCounts);
            using var optimizer = optim.SGD(model.parameters(), cfg.Lr, momentum: cfg.Momentum, weight_decay: cfg.WeightDecay);
            using var balance = cfg.GradientBalance ? new GradientBalanceAccumulator(cfg.NumClasses) : null;
            var train = new TimedSource(splits.Train);
            var folder = Path.Combine(Path.GetTempPath(), $"arbloss-profile-{Environment.ProcessId}");
            Directory.CreateDirectory(folder);
            p.Prepare = clock.Elapsed.TotalSeconds;
            double best = double.NegativeInfinity;
            try
            {
                for (int epoch = 0; epoch < cfg.NumEpochs; epoch++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = LearningRateSchedule.At(cfg, epoch);
                    criterion.StartEpoch(epoch);
                    torch.manual_seed(Seeds.Derive(cfg.Seed, epoch, Seeds.Purpose.Torch));
                    var order = SamplerFactory.EpochOrder(cfg, splits.Train.Labels, epoch);
                    TrainEpoch(cfg, model, criterion, optimizer, balance, train, order, epoch, device, p);
                    p.Train += Seconds(t0);
                    if (balance is { Steps: > 0 })
                    {
                        using var mean = balance.Mean();
                        mean.ToHost();
                        balance.Reset();
                    }
                    var t1 = Stopwatch.GetTimestamp();
                    var summary = Evaluator.Evaluate(model, splits.Test, device, shotGroups, Trainer.EvalBatchSize(cfg), cfg.Workers);
                    p.Eval += Seconds(t1);
                    var t2 = Stopwatch.GetTimestamp();
                    var state = new CheckpointState { Name = cfg.Name, EpochsCompleted = epoch + 1, NumEpochs = cfg.NumEpochs };
                    Checkpoint.Save(Path.Combine(folder, "last.ckpt"), model, optimizer, state);
                    if (summary.Top1 > best)
                    {
                        best = summary.Top1;
                        Checkpoint.Save(Path.Combine(folder, "best.ckpt"), model, null, state);
                    }
                    p.Checkpoint += Seconds(t2);
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
            p.Loader = train.Seconds;
            return p;
        }

        private static double Seconds(long since) => (Stopwatch.GetTimestamp() - since) / (double)Stopwatch.Frequency;

        /// <summary>Trainer.TrainEpoch without accumulation or mixup (the main job uses neither), phase by phase.</summary>
        private static void TrainEpoch(TrainingConfig cfg, Samples.Models.ClassifierNetwork model, TrainingCriterion criterion, OptimizerHelper optimizer,
            GradientBalanceAccumulator? balance, ISampleSource train, int[] order, int epoch, Device device, Phases p)
        {
            model.train();
            criterion.ValidateTargets = false;
            using var sums = zeros(2, ScalarType.Float64, device);
            var options = new BatchLoaderOptions { Workers = cfg.Workers, Prefetch = 4, Augment = true, Seed = Seeds.Mix(cfg.Seed, epoch, Seeds.Purpose.Augmentation) };
            int batches = BatchLoader.BatchCount(order.Length, Trainer.MicroBatchSize(cfg)), done = 0;
            using var enumerator = BatchLoader.Load(train, order, Trainer.MicroBatchSize(cfg), options).GetEnumerator();
            while (true)
            {
                long t = Stopwatch.GetTimestamp();
                if (!enumerator.MoveNext()) break;
                p.Wait += Seconds(t);
                using var batch = enumerator.Current;
                using var scope = NewDisposeScope();
                t = Stopwatch.GetTimestamp();
                optimizer.zero_grad();
                p.Optimizer += Seconds(t);
                t = Stopwatch.GetTimestamp();
                var x = batch.ImagesOn(device);
                var y = batch.LabelsOn(device);
                var (features, logits) = model.ForwardWithFeatures(x);
                p.Forward += Seconds(t);
                t = Stopwatch.GetTimestamp();
                var loss = criterion.Module.call(logits, y);
                loss.backward();
                p.Backward += Seconds(t);
                t = Stopwatch.GetTimestamp();
                optimizer.step();
                p.Optimizer += Seconds(t);
                t = Stopwatch.GetTimestamp();
                using (no_grad())
                {
                    sums[0].add_(loss.detach().to_type(ScalarType.Float64), batch.Size);
                    sums[1].add_(logits.argmax(1).eq(y).sum());
                }
                done++;
                if (done == 1 || done % cfg.PrintFreq == 0 || done == batches)
                {
                    using var host = sums.cpu();
                    _ = host.data<double>()[0];
                }
                p.Bookkeeping += Seconds(t);
                t = Stopwatch.GetTimestamp();
                balance?.Add(features.detach(), logits.detach(), y, criterion.Module);
                p.Balance += Seconds(t);
            }
        }
    }
}
