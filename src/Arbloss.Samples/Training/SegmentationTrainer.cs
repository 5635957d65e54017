using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Arbloss.Losses;
using Arbloss.Losses.Diagnostics;
using Arbloss.Losses.LongTail;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.IO;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Trains a segmentation config (a dataset with dense targets, e.g. <c>synthetic-seg</c> or <c>seg-list</c>, and a dense
    /// backbone such as <c>seg_fcn</c>) with the single-stage recipe of <see cref="Trainer"/>: SGD with momentum and weight
    /// decay, the learning-rate schedule of <see cref="LearningRateSchedule"/>, every pixel a sample of the loss
    /// (<c>cross_entropy</c>, <c>arb_batch</c> with the per-class counts of each batch's non-ignored pixels, or
    /// <c>arb_global</c> with the training pixel counts), mask value <see cref="IgnoreIndex"/> left out of loss, counts
    /// and metrics. After every epoch it evaluates on the test set (<see cref="SegmentationMetrics"/>: mIoU, pixel
    /// accuracy, mean class accuracy, frequency-weighted IoU, many / medium / few mIoU by training pixel count, the tail
    /// class's IoU), writes a CSV row and a checkpoint atomically (the best mIoU's kept too), and at the end
    /// <c>results.json</c> and the plots. Resuming continues from a checkpoint (weights, momentum, history).
    /// </summary>
    public sealed class SegmentationTrainer
    {
        /// <summary>Mask value of pixels without a class: no loss, no count, not evaluated.</summary>
        public const long IgnoreIndex = 255;

        // Made once: TorchSharp frees Scalars in the finalizer only, and a Scalar per step pins holes in glibc's heap
        // next to the step's large buffers.
        private static readonly Scalar Ignore = IgnoreIndex.ToScalar();
        private static readonly Scalar One = 1.ToScalar();

        /// <summary>The CSV log's header row.</summary>
        public const string CsvHeader = "epoch,lr,train_loss,train_pixel_acc,miou,pixel_acc,mean_class_acc,fw_iou,many,medium,few,tail_class_iou,seconds,images_per_second";

        private static readonly string[] SupportedLosses = { "cross_entropy", "arb_batch", "arb_global" };

        private readonly TrainingConfig _config;
        private readonly TrainerOptions _options;
        private readonly ITrainingObserver _observer;

        /// <summary>Prepares a run.</summary>
        /// <param name="config">The validated configuration of a segmentation dataset.</param>
        /// <param name="options">Device, output folder, observer, data context.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public SegmentationTrainer(TrainingConfig config, TrainerOptions options)
        {
            _config = config ?? throw new ArgumentNullException(nameof(config));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _observer = options.Observer ?? NullObserver.Instance;
            Paths = RunPaths.For(config, options.OutputDir);
        }

        /// <summary>Where the run writes.</summary>
        public RunPaths Paths { get; }

        /// <summary>Whether a config names a segmentation dataset (<see cref="IDatasetProvider.IsSegmentation"/>), which
        /// this trainer trains instead of <see cref="Trainer"/>.</summary>
        /// <param name="config">A configuration.</param>
        /// <returns>True for <c>synthetic-seg</c>, <c>seg-list</c> and other registered segmentation datasets.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
        public static bool Handles(TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            return DatasetRegistry.TryGet(config.Dataset, out var provider) && provider.IsSegmentation;
        }

        /// <summary>The checks of a config against the segmentation pipeline: a dense backbone goes with a segmentation
        /// dataset and a classifier with a classification dataset; a segmentation run takes one of the supported losses
        /// and none of the classification-only keys (mixup, gradient balance, gradient accumulation).</summary>
        /// <param name="config">The parsed config.</param>
        /// <param name="whereOf">Where a key came from, for messages.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ConfigException">The config does not fit, naming the key and the fix.</exception>
        public static void ValidateConfig(TrainingConfig config, Func<string, string> whereOf)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(whereOf);
            bool segmentation = Handles(config);
            bool dense = ModelFactory.IsDense(config.Backbone);
            if (segmentation && !dense)
                throw new ConfigException("backbone", $"{whereOf("backbone")}: {config.Dataset} is a segmentation dataset (a class per pixel) but backbone {config.Backbone} is a classifier (a class per image); use a segmentation backbone: {string.Join(", ", ModelFactory.Names.Where(ModelFactory.IsDense))}.");
            if (!segmentation && dense)
                throw new ConfigException("backbone", $"{whereOf("backbone")}: backbone {config.Backbone} is a segmentation network (a class per pixel) but {config.Dataset} is a classification dataset; use a classifier backbone, or a segmentation dataset (synthetic-seg, seg-list).");
            if (!segmentation) return;
            if (!SupportedLosses.Contains(config.Loss))
                throw new ConfigException("loss", $"{whereOf("loss")}: the segmentation pipeline trains with {string.Join(", ", SupportedLosses)}, not {config.Loss}.");
            if (config.Mixup)
                throw new ConfigException("mixup", $"{whereOf("mixup")}: mixup is not supported for segmentation; set mixup: false.");
            if (config.AccumulationSteps != 1)
                throw new ConfigException("accumulation_steps", $"{whereOf("accumulation_steps")}: gradient accumulation is not supported for segmentation; remove accumulation_steps.");
        }

        /// <summary>The many / medium / few grouping of a segmentation run: the config's class ranges when given, else by
        /// rank of the training pixel counts (the most frequent 30% of the classes many, the rarest 30% few, the rest
        /// medium; at least one class per group from three classes up). Pixel counts are far above the image-count
        /// thresholds of <see cref="ShotGroups.FromClassCounts"/>, so those would call every class many-shot.</summary>
        /// <param name="config">Supplies head/med/tail_class_idx.</param>
        /// <param name="pixelCounts">Training pixels per class.</param>
        /// <returns>The grouping.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static ShotGroups ShotGroupsFor(TrainingConfig config, IReadOnlyList<long> pixelCounts)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(pixelCounts);
            if (config.HeadClassIdx is not null && config.MedClassIdx is not null && config.TailClassIdx is not null)
                return Trainer.ShotGroupsFor(config, pixelCounts);
            int c = pixelCounts.Count;
            int edge = c >= 3 ? Math.Max(1, (int)Math.Round(0.3 * c)) : 0;
            var byCount = Enumerable.Range(0, c).OrderByDescending(i => pixelCounts[i]).ThenBy(i => i).ToArray();
            var groups = new ShotGroup[c];
            for (int rank = 0; rank < c; rank++)
                groups[byCount[rank]] = rank < edge ? ShotGroup.Many : rank >= c - edge ? ShotGroup.Few : ShotGroup.Medium;
            if (c < 3) Array.Fill(groups, ShotGroup.Many);
            return new ShotGroups(groups);
        }

        /// <summary>The loss of a segmentation config, every non-ignored pixel a sample: cross-entropy, ARB-Loss with the
        /// counts of each batch's pixels, or ARB-Loss with the training pixel counts; ignore index 255.</summary>
        /// <param name="config">Supplies loss.</param>
        /// <param name="pixelCounts">Training pixels of every class (the global counts).</param>
        /// <returns>The criterion, on the CPU.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ConfigException">The loss is not one of the supported ones.</exception>
        /// <exception cref="ArgumentException">A global-count loss gets a class without training pixels.</exception>
        public static TrainingCriterion CreateLoss(TrainingConfig config, IReadOnlyList<long> pixelCounts)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(pixelCounts);
            return config.Loss switch
            {
                "cross_entropy" => new TrainingCriterion("cross_entropy", nn.CrossEntropyLoss(ignore_index: IgnoreIndex)),
                "arb_batch" => new TrainingCriterion("arb_batch", new ArbLoss(pixelCounts.Count, ignoreIndex: IgnoreIndex)),
                "arb_global" => new TrainingCriterion("arb_global", new ArbLoss(pixelCounts.ToArray(), ignoreIndex: IgnoreIndex)),
                _ => throw new ConfigException("loss", $"{config.WhereOf("loss")}: the segmentation pipeline trains with {string.Join(", ", SupportedLosses)}, not {config.Loss}."),
            };
        }

        /// <summary>Evaluates a dense model on a segmentation set: arg-max per pixel, confusion matrix on the device,
        /// pixels with target <see cref="IgnoreIndex"/> left out.</summary>
        /// <param name="model">A dense network (logits [B, C, H, W]), on <paramref name="device"/>.</param>
        /// <param name="test">The set, with dense targets.</param>
        /// <param name="device">The model's device.</param>
        /// <param name="shotGroups">The many / medium / few grouping, or null.</param>
        /// <param name="batchSize">Images per batch.</param>
        /// <param name="workers">Threads reading samples.</param>
        /// <param name="cancellation">Stops the evaluation.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="ArgumentException">The set has no dense targets.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
        public static SegmentationReport Evaluate(ClassifierNetwork model, ISampleSource test, Device device, ShotGroups? shotGroups,
            int batchSize, int workers, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(test);
            ArgumentNullException.ThrowIfNull(device);
            if (test.TargetShape.Count == 0) throw new ArgumentException("The set has no dense targets (TargetShape is empty).", nameof(test));
            bool wasTraining = model.training;
            model.eval();
            using var metrics = new SegmentationMetrics(model.NumClasses, shotGroups, IgnoreIndex);
            var order = Enumerable.Range(0, test.Count).ToArray();
            var options = new BatchLoaderOptions { Workers = workers, Prefetch = 2, Augment = false, PinMemory = device.type == DeviceType.CUDA };
            try
            {
                using var noGrad = no_grad();
                foreach (var batch in BatchLoader.Load(test, order, Math.Max(1, batchSize), options, cancellation))
                {
                    using (batch)
                    using (var scope = NewDisposeScope())
                    {
                        var x = batch.ImagesOn(device);
                        var y = batch.TargetsOn(device);
                        using var predictions = model.call(x).argmax(1);
                        metrics.Update(predictions, y);
                    }
                }
                return metrics.Compute();
            }
            finally
            {
                if (wasTraining) model.train();
            }
        }

        /// <summary>Runs (or resumes) training and writes results, log, checkpoints and plots.</summary>
        /// <returns>The results, also written to <c>results.json</c>.</returns>
        /// <exception cref="DatasetUnavailableException">The data can be neither found nor downloaded.</exception>
        /// <exception cref="InvalidDataException">A data file or the resume checkpoint is malformed or does not fit.</exception>
        /// <exception cref="ConfigException">The config is not a segmentation config, or it and the checkpoint disagree.</exception>
        /// <exception cref="RunExistsException">The output folder holds a run this one does not continue, and
        /// <see cref="TrainerOptions.ExistingRun"/> is <see cref="ExistingRunPolicy.Refuse"/>.</exception>
        /// <exception cref="RunInterruptedException">The run was stopped before its first epoch finished.</exception>
        /// <exception cref="IOException">An output file cannot be written.</exception>
        public SegmentationResults Run()
        {
            var cfg = _config;
            var wall = Stopwatch.StartNew();
            var resumeFrom = ResumeCheckpoint();
            var resumed = resumeFrom is null ? null : Checkpoint.ReadState(resumeFrom);
            if (resumed is not null && resumed.EpochsCompleted > cfg.NumEpochs)
                throw new ConfigException("num_epochs", $"{cfg.WhereOf("num_epochs")}: num_epochs is {cfg.NumEpochs} but the checkpoint {resumeFrom} has {resumed.EpochsCompleted} epochs done; resume with num_epochs {resumed.EpochsCompleted} or more.");
            PrepareOutputFolder(resumeFrom);
            foreach (var line in Determinism.Apply(cfg.Deterministic, _options.Device)) _observer.Message(line);

            var splits = Trainer.LoadData(cfg, _options.Data, _options.Dataset);
            if (!splits.IsDense || splits.TrainPixelCounts is null)
                throw new ConfigException("dataset", $"{cfg.WhereOf("dataset")}: {cfg.Dataset} has no dense targets; train it with the classification trainer.");
            var pixelCounts = splits.TrainPixelCounts;
            var groups = ShotGroupsFor(cfg, pixelCounts);
            int tailClass = Enumerable.Range(0, pixelCounts.Count).OrderBy(i => pixelCounts[i]).ThenByDescending(i => i).First();
            torch.manual_seed(cfg.Seed);
            if (resumed is not null) CheckResumable(resumed, splits.Id);
            using var model = Trainer.CreateModel(cfg, splits.Train.SampleShape, loadPretrained: resumeFrom is null);
            if (!model.IsDense)
                throw new ConfigException("backbone", $"{cfg.WhereOf("backbone")}: backbone {cfg.Backbone} is not a segmentation network.");
            if (resumeFrom is not null) Checkpoint.LoadModel(resumeFrom, model);
            model.to(_options.Device);
            using var criterion = CreateLoss(cfg, pixelCounts);
            criterion.To(_options.Device);
            using var optimizer = optim.SGD(model.parameters(), cfg.Lr, momentum: cfg.Momentum, weight_decay: cfg.WeightDecay);
            // gradient_balance: attraction / repulsion of the 1x1 head with every non-ignored pixel a sample.
            using var balance = cfg.GradientBalance ? new GradientBalanceAccumulator(cfg.NumClasses) : null;
            var balanceHistory = new List<GradientBalanceEpoch>();
            var history = new List<SegmentationEpoch>();
            int firstEpoch = 0, bestEpoch = 0;
            double bestMeanIoU = double.NegativeInfinity, trainSeconds = 0, previousSeconds = 0;
            long trainImages = 0;
            string? lastSaved = resumeFrom;
            if (resumed is not null)
            {
                Checkpoint.LoadOptimizer(resumeFrom!, optimizer);
                history.AddRange(resumed.SegmentationHistory ?? Array.Empty<SegmentationEpoch>());
                firstEpoch = resumed.EpochsCompleted;
                var balanceFile = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(resumeFrom!)!)!, "gradient_balance.json");
                if (balance is not null && File.Exists(balanceFile))
                    balanceHistory.AddRange(Json.Deserialize<List<GradientBalanceEpoch>>(File.ReadAllText(balanceFile)).Where(e => e.Epoch <= firstEpoch));
                bestMeanIoU = resumed.BestTop1;
                bestEpoch = resumed.BestEpoch;
                trainImages = resumed.TrainImages;
                trainSeconds = resumed.TrainSeconds;
                previousSeconds = resumed.Seconds;
                _observer.Message($"Resuming {resumed.Name} after epoch {firstEpoch} from {resumeFrom}");
            }
            Directory.CreateDirectory(Paths.OutputDir);
            _observer.RunStarted(new RunInfo
            {
                Name = cfg.Name, Dataset = splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, Parameters = model.ParameterCount(),
                Device = _options.Device.ToString(), TrainSamples = splits.Train.Count, TestSamples = splits.Test.Count,
                TrainClassCounts = pixelCounts, ClassCountUnit = "pixels", NumEpochs = cfg.NumEpochs, FirstEpoch = firstEpoch + 1, OutputDir = Paths.OutputDir,
                BatchesPerEpoch = BatchLoader.BatchCount(splits.Train.Count, cfg.BatchSize),
            });

            SegmentationReport? last = null;
            bool interrupted = false;
            var token = _options.Cancellation;
            try
            {
                for (int epoch = firstEpoch; epoch < cfg.NumEpochs; epoch++)
                {
                    if (token.IsCancellationRequested) { interrupted = true; break; }
                    var epochClock = Stopwatch.StartNew();
                    double lr = LearningRateSchedule.At(cfg, epoch);
                    foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                    torch.manual_seed(Seeds.Derive(cfg.Seed, epoch, Seeds.Purpose.Torch));
                    var order = SamplerFactory.EpochOrder(cfg, splits.Train.Labels, epoch);
                    int batches = BatchLoader.BatchCount(order.Length, cfg.BatchSize);
                    _observer.EpochStarted(epoch + 1, batches, lr);
                    var (loss, pixelAcc, seen, seconds, completed) = TrainEpoch(model, criterion, optimizer, balance, splits.Train, order, epoch, batches);
                    if (!completed)
                    {
                        if (lastSaved is not null) Checkpoint.LoadModel(lastSaved, model);
                        interrupted = true;
                        break;
                    }
                    trainImages += seen;
                    trainSeconds += seconds;
                    last = Evaluate(model, splits.Test, _options.Device, groups, cfg.BatchSize, cfg.Workers, token);
                    double miou = Percent(last.MeanIoU) ?? 0;
                    bool isBest = miou > bestMeanIoU;
                    if (isBest) { bestMeanIoU = miou; bestEpoch = epoch + 1; }
                    var record = new SegmentationEpoch
                    {
                        Epoch = epoch + 1, Lr = lr, TrainLoss = loss, TrainPixelAccuracy = pixelAcc,
                        MeanIoU = Percent(last.MeanIoU), PixelAccuracy = Percent(last.PixelAccuracy), MeanClassAccuracy = Percent(last.MeanClassAccuracy),
                        FrequencyWeightedIoU = Percent(last.FrequencyWeightedIoU), Many = Percent(last.ManyShotMeanIoU), Medium = Percent(last.MediumShotMeanIoU),
                        Few = Percent(last.FewShotMeanIoU), TailClassIoU = Percent(last.PerClassIoU[tailClass]),
                        Seconds = epochClock.Elapsed.TotalSeconds, ImagesPerSecond = seconds > 0 ? seen / seconds : 0,
                    };
                    history.Add(record);
                    if (balance is { Steps: > 0 })
                    {
                        using (var mean = balance.Mean()) balanceHistory.Add(GradientBalanceEpoch.From(epoch + 1, mean.ToHost()));
                        balance.Reset();
                        AtomicFile.WriteAllText(Paths.GradientBalance, Json.Serialize(balanceHistory));
                    }
                    AtomicFile.WriteAllText(Paths.Log, FormatCsv(history));
                    var state = new CheckpointState
                    {
                        Name = cfg.Name, Dataset = splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, NumClasses = cfg.NumClasses, Seed = cfg.Seed,
                        EpochsCompleted = epoch + 1, NumEpochs = cfg.NumEpochs, Lr = cfg.Lr, Cos = cfg.Cos, WarmupEpochs = cfg.WarmupEpochs, LrSteps = cfg.LrSteps.ToArray(),
                        BestTop1 = bestMeanIoU, BestEpoch = bestEpoch, TrainImages = trainImages, TrainSeconds = trainSeconds,
                        Seconds = previousSeconds + wall.Elapsed.TotalSeconds, SegmentationHistory = history.ToArray(),
                        SavedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    };
                    Checkpoint.Save(Paths.LastCheckpoint, model, optimizer, state);
                    lastSaved = Paths.LastCheckpoint;
                    if (isBest) Checkpoint.Save(Paths.BestCheckpoint, model, null, state);
                    _observer.Message(EpochLine(record, cfg.NumEpochs) + (isBest ? "  best" : ""));
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                if (lastSaved is not null) Checkpoint.LoadModel(lastSaved, model);
                last = null;
                interrupted = true;
            }

            if (history.Count == 0 && interrupted)
                throw new RunInterruptedException($"{cfg.Name} was stopped before its first epoch finished; nothing was saved (run the same command again to start it).", 0, token);
            last ??= Evaluate(model, splits.Test, _options.Device, groups, cfg.BatchSize, cfg.Workers);
            var testCounts = new long[cfg.NumClasses];
            for (int t = 0; t < cfg.NumClasses; t++)
                for (int p = 0; p < cfg.NumClasses; p++) testCounts[t] += last.Confusion[t, p];
            var results = new SegmentationResults
            {
                Name = cfg.Name, Dataset = splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, Seed = cfg.Seed, Device = _options.Device.ToString(),
                Epochs = history.Count, NumEpochs = cfg.NumEpochs, Completed = !interrupted && history.Count >= cfg.NumEpochs, IgnoreIndex = IgnoreIndex,
                MeanIoU = Percent(last.MeanIoU), PixelAccuracy = Percent(last.PixelAccuracy), MeanClassAccuracy = Percent(last.MeanClassAccuracy),
                FrequencyWeightedIoU = Percent(last.FrequencyWeightedIoU), Many = Percent(last.ManyShotMeanIoU), Medium = Percent(last.MediumShotMeanIoU),
                Few = Percent(last.FewShotMeanIoU), TailClass = tailClass, TailClassIoU = Percent(last.PerClassIoU[tailClass]),
                BestMeanIoU = history.Count > 0 ? bestMeanIoU : Percent(last.MeanIoU) ?? 0, BestEpoch = bestEpoch,
                PerClassIoU = last.PerClassIoU.Select(Percent).ToArray(), PerClassAccuracy = last.PerClassAccuracy.Select(Percent).ToArray(),
                TrainPixelCounts = pixelCounts.ToArray(), TestPixelCounts = testCounts, ClassNames = splits.ClassNames.ToArray(),
                ShotGroups = new Dictionary<string, IReadOnlyList<int>>
                {
                    ["many"] = groups.ClassesIn(ShotGroup.Many), ["medium"] = groups.ClassesIn(ShotGroup.Medium), ["few"] = groups.ClassesIn(ShotGroup.Few),
                },
                History = history.ToArray(), Seconds = previousSeconds + wall.Elapsed.TotalSeconds, TrainSeconds = trainSeconds,
                RepulsionOverAttractionByEpoch = balanceHistory.Select(b => b.RepulsionOverAttraction()).ToArray(),
                ImagesPerSecond = trainSeconds > 0 ? trainImages / trainSeconds : 0, Parameters = model.ParameterCount(),
            };
            AtomicFile.WriteAllText(Paths.Results, Json.Serialize(results));
            if (_options.WritePlots) SegmentationPlots.Write(Paths.PlotDir, results);
            _observer.Message(Summary(results));
            return results;
        }

        /// <summary>Formats the CSV log of a segmentation run.</summary>
        /// <param name="records">Epoch rows in order.</param>
        /// <returns>The CSV text (invariant culture; empty cells for undefined values).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="records"/> is null.</exception>
        public static string FormatCsv(IEnumerable<SegmentationEpoch> records)
        {
            ArgumentNullException.ThrowIfNull(records);
            var text = new StringBuilder(CsvHeader).Append('\n');
            static string F(double? x, string format = "F4") => x is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
            foreach (var r in records)
            {
                text.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',').Append(F(r.Lr, "G6")).Append(',')
                    .Append(F(r.TrainLoss)).Append(',').Append(F(r.TrainPixelAccuracy)).Append(',').Append(F(r.MeanIoU)).Append(',')
                    .Append(F(r.PixelAccuracy)).Append(',').Append(F(r.MeanClassAccuracy)).Append(',').Append(F(r.FrequencyWeightedIoU)).Append(',')
                    .Append(F(r.Many)).Append(',').Append(F(r.Medium)).Append(',').Append(F(r.Few)).Append(',').Append(F(r.TailClassIoU)).Append(',')
                    .Append(F(r.Seconds, "F2")).Append(',').Append(F(r.ImagesPerSecond, "F1")).Append('\n');
            }
            return text.ToString();
        }

        private static double? Percent(double? fraction) => fraction is double f ? 100 * f : null;

        private static string G(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";

        private static string EpochLine(SegmentationEpoch r, int numEpochs) =>
            $"epoch {r.Epoch,3}/{numEpochs} lr {r.Lr.ToString("G3", CultureInfo.InvariantCulture)}  loss {r.TrainLoss.ToString("F3", CultureInfo.InvariantCulture)}  " +
            $"train px {r.TrainPixelAccuracy.ToString("F1", CultureInfo.InvariantCulture)}%  mIoU {G(r.MeanIoU)}  px acc {G(r.PixelAccuracy)}  " +
            $"many {G(r.Many)}  med {G(r.Medium)}  few {G(r.Few)}  tail {G(r.TailClassIoU)}  {r.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} img/s  {r.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s";

        /// <summary>The closing lines of a run: its metrics and where its files are.</summary>
        private string Summary(SegmentationResults r) =>
            $"{r.Name}: {r.Dataset}, {r.Loss}: mIoU {G(r.MeanIoU)}, pixel acc {G(r.PixelAccuracy)}, mean class acc {G(r.MeanClassAccuracy)}, FW-IoU {G(r.FrequencyWeightedIoU)}, " +
            $"many {G(r.Many)}, medium {G(r.Medium)}, few {G(r.Few)}, tail class {r.TailClass} IoU {G(r.TailClassIoU)}; best mIoU {r.BestMeanIoU.ToString("F2", CultureInfo.InvariantCulture)} (epoch {r.BestEpoch}); " +
            $"{ConsoleReporter.Duration(r.Seconds)}\nper-class IoU: {string.Join(", ", r.PerClassIoU.Select((v, i) => $"{i}: {G(v)}"))}\nResults: {Paths.OutputDir}";

        private (double Loss, double PixelAccuracy, long Seen, double Seconds, bool Completed) TrainEpoch(ClassifierNetwork model, TrainingCriterion criterion,
            OptimizerHelper optimizer, GradientBalanceAccumulator? balance, ISampleSource train, int[] order, int epoch, int batches)
        {
            var cfg = _config;
            var device = _options.Device;
            NativeHeap.KeepFreedMemory();
            var clock = Stopwatch.StartNew();
            model.train();
            using var sums = zeros(3, ScalarType.Float64, device);   // loss * batches, correct pixels, evaluated pixels
            long seen = 0;
            int done = 0;
            double loss = double.NaN, accuracy = double.NaN;
            var options = new BatchLoaderOptions
            {
                Workers = cfg.Workers, Prefetch = 4, Augment = true, Seed = Seeds.Mix(cfg.Seed, epoch, Seeds.Purpose.Augmentation),
                PinMemory = device.type == DeviceType.CUDA,
            };
            try
            {
                foreach (var batch in BatchLoader.Load(train, order, cfg.BatchSize, options, _options.Cancellation))
                {
                    using (batch)
                    using (var scope = NewDisposeScope())
                    {
                        optimizer.zero_grad();
                        var x = batch.ImagesOn(device);
                        var y = batch.TargetsOn(device);
                        var (features, logits) = model.ForwardWithFeatures(x);
                        var batchLoss = criterion.Module.call(logits, y);
                        batchLoss.backward();
                        optimizer.step();
                        if (balance is not null) balance.AddDense(features.detach(), PixelSumLogitGradient(criterion.Module, logits, y), y, IgnoreIndex);
                        using (no_grad())
                        {
                            var valid = y.ne(Ignore);
                            sums[0].add_(batchLoss.detach().to_type(ScalarType.Float64), One);
                            sums[1].add_(logits.argmax(1).eq(y).logical_and(valid).sum(), One);
                            sums[2].add_(valid.sum(), One);
                        }
                        seen += batch.Size;
                        done++;
                        bool fresh = done == 1 || done % cfg.PrintFreq == 0 || done == batches;
                        if (fresh)
                        {
                            using var host = sums.cpu();
                            var values = host.data<double>();
                            loss = values[0] / done;
                            accuracy = 100.0 * values[1] / Math.Max(1, values[2]);
                        }
                        _observer.BatchCompleted(new BatchProgress(epoch + 1, done, batches, loss, accuracy, seen / Math.Max(1e-9, clock.Elapsed.TotalSeconds), fresh));
                    }
                }
            }
            catch (OperationCanceledException) when (_options.Cancellation.IsCancellationRequested)
            {
                return (loss, accuracy, seen, clock.Elapsed.TotalSeconds, false);
            }
            return (loss, accuracy, seen, clock.Elapsed.TotalSeconds, done == batches);
        }

        /// <summary>The logit gradient of the sum of the per-pixel losses (the loss's Mean gradient times the number of
        /// non-ignored pixels, as a tensor: nothing is read back), from a detached copy of the logits.</summary>
        private static Tensor PixelSumLogitGradient(Loss<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor targets)
        {
            using var gradMode = enable_grad();
            var z = logits.detach().clone().requires_grad_(true);
            var value = criterion.call(z, targets);
            var g = torch.autograd.grad(new[] { value }, new[] { z })[0];
            return g.mul(targets.ne(Ignore).sum()).detach();
        }

        private string? ResumeCheckpoint()
        {
            var cfg = _config;
            if (string.IsNullOrWhiteSpace(cfg.Resume)) return null;
            var path = RunPaths.ResolveResume(cfg.Resume, cfg.ModelDir);
            if (File.Exists(path)) return path;
            throw new ConfigException("resume", $"{cfg.WhereOf("resume")}: no checkpoint at '{cfg.Resume}'; give a .ckpt file or a run folder with checkpoints/last.ckpt.");
        }

        /// <summary>Refuses, moves aside or deletes an old run in the output folder (unless this run continues it).</summary>
        private void PrepareOutputFolder(string? resumeFrom)
        {
            if (File.Exists(Paths.OutputDir))
                throw new IOException($"{Paths.OutputDir}: is a file, not a folder; give a folder for the run's output (it is created when missing).");
            if (resumeFrom is not null && Paths.Owns(resumeFrom)) return;
            var files = Paths.ExistingRunFiles();
            if (files.Count == 0) return;
            switch (_options.ExistingRun)
            {
                case ExistingRunPolicy.Refuse:
                    throw new RunExistsException(Paths.OutputDir, files,
                        $"{Paths.OutputDir} already holds a run ({string.Join(", ", files)}); continue it with {_options.ResumeHint ?? $"--set resume={Paths.OutputDir}"}, " +
                        $"or start over with --force (moves the old run to {Path.GetFileName(Paths.OutputDir)}.old-<time> beside it; add --delete-old to delete it instead).");
                case ExistingRunPolicy.Delete:
                    Paths.DeleteRun();
                    _observer.Message($"Deleted the previous run in {Paths.OutputDir} (--delete-old).");
                    break;
                default:
                    _observer.Message($"Moved the previous run in {Paths.OutputDir} to {Paths.MoveAside(DateTime.Now)} (--force).");
                    break;
            }
        }

        private void CheckResumable(CheckpointState state, string datasetId)
        {
            void Require(bool ok, string key, string what)
            {
                if (!ok) throw new ConfigException(key, $"{_config.WhereOf("resume")}: the checkpoint was written by a run with {what}; resume with the same settings.");
            }
            Require(state.SegmentationHistory is not null, "resume", "a classification dataset");
            Require(state.Backbone == _config.Backbone, "backbone", $"backbone {state.Backbone}, not {_config.Backbone}");
            Require(state.NumClasses == _config.NumClasses, "num_classes", $"{state.NumClasses} classes, not {_config.NumClasses}");
            Require(state.Loss == _config.Loss, "loss", $"loss {state.Loss}, not {_config.Loss}");
            Require(state.Dataset == datasetId, "dataset", $"dataset {state.Dataset}, not {datasetId}");
            Require(state.Seed == _config.Seed, "seed", $"seed {state.Seed}, not {_config.Seed}");
        }
    }
}
