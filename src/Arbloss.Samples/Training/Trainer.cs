using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
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
    /// The authors' single-stage training recipe, end to end: loads the (long-tailed) data, builds the backbone and
    /// the loss, trains with SGD (momentum, weight decay, warm-up + step or cosine schedule, optional mixup), and after
    /// every epoch evaluates (top-1, top-5, many / medium / few, ECE), logs a CSV row and writes a checkpoint
    /// atomically (the best one kept too). Resuming from a checkpoint continues exactly: data order, augmentation and
    /// mixup depend only on (seed, epoch), and the checkpoint holds the weights, batch-norm statistics and momentum.
    /// </summary>
    public sealed class Trainer
    {
        // Made once: TorchSharp frees Scalars in the finalizer only, and a Scalar per step pins holes in glibc's heap
        // next to the step's large buffers. Values that depend on the step are `using` locals.
        private static readonly Scalar One = 1.ToScalar();

        private readonly TrainingConfig _config;
        private readonly TrainerOptions _options;
        private readonly ITrainingObserver _observer;

        /// <summary>Prepares a run.</summary>
        /// <param name="config">The validated configuration.</param>
        /// <param name="options">Device, output folder, observer, data context.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public Trainer(TrainingConfig config, TrainerOptions options)
        {
            _config = config ?? throw new ArgumentNullException(nameof(config));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _observer = options.Observer ?? NullObserver.Instance;
            Paths = RunPaths.For(config, options.OutputDir);
        }

        /// <summary>Where the run writes.</summary>
        public RunPaths Paths { get; }

        /// <summary>Loads the data a config names, through <paramref name="provider"/> or the registry.</summary>
        /// <param name="config">The configuration.</param>
        /// <param name="context">Data context.</param>
        /// <param name="provider">A provider to use instead of the registry's, or null.</param>
        /// <returns>The splits.</returns>
        /// <exception cref="DatasetUnavailableException">The data can be neither found nor downloaded.</exception>
        /// <exception cref="InvalidDataException">A data file is malformed, or the data disagree with num_classes.</exception>
        /// <exception cref="ConfigException">data_path names a folder that does not exist.</exception>
        public static DatasetSplits LoadData(TrainingConfig config, DataContext context, IDatasetProvider? provider = null)
        {
            ArgumentNullException.ThrowIfNull(config);
            CheckDataPath(config);
            var splits = (provider ?? DatasetRegistry.Get(config.Dataset)).Load(config, context);
            if (splits.NumClasses != config.NumClasses)
                throw new InvalidDataException($"{config.Dataset} has {splits.NumClasses} classes but num_classes is {config.NumClasses}.");
            return splits;
        }

        /// <summary>Fails when the config names a data_path that does not exist: an explicit folder is never passed over
        /// for another copy of the data.</summary>
        /// <param name="config">Supplies data_path.</param>
        /// <exception cref="ConfigException">data_path is given but is not a folder.</exception>
        public static void CheckDataPath(TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (string.IsNullOrWhiteSpace(config.DataPath) || Directory.Exists(config.DataPath)) return;
            var what = File.Exists(config.DataPath) ? "is a file, not a folder" : "does not exist";
            throw new ConfigException("data_path", $"{config.WhereOf("data_path")}: the folder '{config.DataPath}' {what}; give the folder holding the {config.Dataset} files (create it first if they should be downloaded into it), or leave data_path empty for the dataset's usual places.");
        }

        /// <summary>The many / medium / few grouping of a config: its index ranges, or training counts (&gt;100, 20..100, &lt;20).</summary>
        /// <param name="config">Supplies head/med/tail_class_idx.</param>
        /// <param name="trainClassCounts">Training samples per class.</param>
        /// <returns>The grouping.</returns>
        public static ShotGroups ShotGroupsFor(TrainingConfig config, IReadOnlyList<long> trainClassCounts)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (config.HeadClassIdx is ClassRange h && config.MedClassIdx is ClassRange m && config.TailClassIdx is ClassRange t)
                return ShotGroups.FromIndexRanges(config.NumClasses, (h.Start, h.End), (m.Start, m.End), (t.Start, t.End));
            return ShotGroups.FromClassCounts(trainClassCounts);
        }

        /// <summary>Evaluation batch size for a config: the training micro-batch size (<see cref="MicroBatchSize"/>), which
        /// is known to fit on the device; with gradient accumulation the full <c>batch_size</c> may not (at 1024 images of
        /// 224 px the loader's prefetched host buffers alone would be gigabytes).</summary>
        /// <param name="config">Supplies batch_size and accumulation_steps.</param>
        /// <returns>The batch size.</returns>
        public static int EvalBatchSize(TrainingConfig config) => MicroBatchSize(config);

        /// <summary>Runs (or resumes) training and writes results, log, checkpoints and plots.</summary>
        /// <returns>The results, also written to <c>results.json</c>.</returns>
        /// <exception cref="DatasetUnavailableException">The data can be neither found nor downloaded.</exception>
        /// <exception cref="InvalidDataException">A data file or the resume checkpoint is malformed or does not fit.</exception>
        /// <exception cref="ConfigException">The config and the data or checkpoint disagree (e.g. num_epochs below the
        /// epochs the checkpoint has done), or data_path does not exist.</exception>
        /// <exception cref="RunExistsException">The output folder holds a run this one does not continue, and
        /// <see cref="TrainerOptions.ExistingRun"/> is <see cref="ExistingRunPolicy.Refuse"/>.</exception>
        /// <exception cref="RunInterruptedException">The run was stopped before its first epoch finished (nothing was saved).</exception>
        /// <exception cref="IOException">An output file cannot be written, or the output folder is a file.</exception>
        public RunResults Run()
        {
            if (_options.Dataset is null && SegmentationTrainer.Handles(_config))
                throw new ConfigException("dataset", $"{_config.WhereOf("dataset")}: {_config.Dataset} is a segmentation dataset; train it with SegmentationTrainer (the train command does).");
            var wall = Stopwatch.StartNew();
            var resumeFrom = ResumeCheckpoint();
            var resumed = resumeFrom is null ? null : Checkpoint.ReadState(resumeFrom);
            CheckOutputFolder(resumeFrom);
            if (resumed is not null) CheckEpochs(resumed, resumeFrom!);
            CheckDataPath(_config);
            foreach (var line in Determinism.Apply(_config.Deterministic, _options.Device)) _observer.Message(line);
            if (resumed is not null && ScheduleChange(resumed) is string note) _observer.Message(note);
            using var session = Prepare(resumeFrom, resumed);
            bool created = ClearOldRun(resumeFrom);
            Announce(session);
            bool interrupted;
            try
            {
                interrupted = TrainEpochs(session, wall);
            }
            catch (OperationCanceledException) when (_options.Cancellation.IsCancellationRequested)
            {
                // Stopped during an epoch's evaluation: that epoch was not saved; the results describe the last checkpoint.
                if (session.LastSaved is not null) Checkpoint.LoadModel(session.LastSaved, session.Model);
                interrupted = true;
            }
            return Finish(session, interrupted, wall, created);
        }

        /// <summary>The checkpoint of <c>resume</c>, or null for a fresh run.</summary>
        private string? ResumeCheckpoint()
        {
            var cfg = _config;
            if (string.IsNullOrWhiteSpace(cfg.Resume)) return null;
            var path = RunPaths.ResolveResume(cfg.Resume, cfg.ModelDir);
            if (File.Exists(path)) return path;
            var looked = Directory.Exists(cfg.Resume) ? $" (looked for {string.Join(", ", RunPaths.Candidates(cfg.Resume, cfg.ModelDir))})" : "";
            throw new ConfigException("resume", $"{cfg.WhereOf("resume")}: no checkpoint at '{cfg.Resume}'{looked}; give a .ckpt file or a run folder with checkpoints/last.ckpt.");
        }

        /// <summary>How the user continues the run in <paramref name="folder"/>.</summary>
        private string ContinueHint(string folder) => _options.ResumeHint ?? $"--set resume={folder}";

        /// <summary>Fails when the output folder is a file, or holds a run this one does not continue and the policy is
        /// to refuse.</summary>
        private void CheckOutputFolder(string? resumeFrom)
        {
            var named = string.IsNullOrWhiteSpace(_options.OutputDir) ? $"the run's folder {Paths.OutputDir} (log_dir/name)" : $"--out {_options.OutputDir}";
            for (var path = Paths.OutputDir; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
            {
                if (File.Exists(path))
                    throw new IOException(path == Paths.OutputDir
                        ? $"{named}: is a file, not a folder; give a folder for the run's output (it is created when missing)."
                        : $"{named}: '{path}' is a file, so the folder cannot be made there; give a folder for the run's output.");
                if (Directory.Exists(path)) break;
            }
            if (resumeFrom is not null && Paths.Owns(resumeFrom)) return; // continuing in place
            var files = Paths.ExistingRunFiles();
            if (files.Count == 0 || _options.ExistingRun != ExistingRunPolicy.Refuse) return;
            throw new RunExistsException(Paths.OutputDir, files,
                $"{Paths.OutputDir} already holds a run ({string.Join(", ", files)}); continue it with {ContinueHint(Paths.OutputDir)}, " +
                $"or start over with --force (moves the old run to {Path.GetFileName(Paths.OutputDir)}.old-<time> beside it; add --delete-old to delete it instead).");
        }

        /// <summary>Moves aside or deletes the old run of the output folder (per the policy), just before the first write.</summary>
        /// <returns>Whether the output folder is new (so that an interrupted first epoch leaves nothing behind).</returns>
        private bool ClearOldRun(string? resumeFrom)
        {
            bool created = !Directory.Exists(Paths.OutputDir);
            if (created || (resumeFrom is not null && Paths.Owns(resumeFrom)) || !Paths.HoldsRun) return created;
            if (_options.ExistingRun == ExistingRunPolicy.Delete)
            {
                Paths.DeleteRun();
                _observer.Message($"Deleted the previous run in {Paths.OutputDir} (--delete-old).");
            }
            else if (_options.ExistingRun == ExistingRunPolicy.MoveAside)
            {
                var aside = Paths.MoveAside(DateTime.Now);
                _observer.Message($"Moved the previous run in {Paths.OutputDir} to {aside} (--force).");
            }
            return false;
        }

        /// <summary>Fails when the checkpoint has done more epochs than num_epochs asks for.</summary>
        private void CheckEpochs(CheckpointState resumed, string resumeFrom)
        {
            var cfg = _config;
            if (resumed.EpochsCompleted <= cfg.NumEpochs) return;
            var suggestion = Math.Max(resumed.EpochsCompleted, resumed.NumEpochs);
            throw new ConfigException("num_epochs", $"{cfg.WhereOf("num_epochs")}: num_epochs is {cfg.NumEpochs} but the checkpoint {resumeFrom} has " +
                $"{ConsoleReporter.Count(resumed.EpochsCompleted, "epoch")} done; resume with num_epochs {resumed.EpochsCompleted} or more (e.g. --set num_epochs={suggestion}).");
        }

        /// <summary>One line when the learning rate of a remaining epoch differs from what the checkpoint's run would have
        /// used (a schedule key changed: num_epochs under cosine, lr, cos, warmup_epochs, lr_steps); null when it does not.</summary>
        private string? ScheduleChange(CheckpointState resumed)
        {
            var cfg = _config;
            if (resumed.NumEpochs <= 0) return null;
            var old = cfg with
            {
                NumEpochs = resumed.NumEpochs, Lr = resumed.Lr ?? cfg.Lr, Cos = resumed.Cos ?? cfg.Cos,
                WarmupEpochs = resumed.WarmupEpochs ?? cfg.WarmupEpochs, LrSteps = resumed.LrSteps ?? cfg.LrSteps,
            };
            static string Steps(IReadOnlyList<int> steps) => "[" + string.Join(",", steps) + "]";
            var changed = new List<(string Key, string Was, string Now)>();
            void Compare(string key, string was, string now) { if (was != now) changed.Add((key, was, now)); }
            Compare("num_epochs", old.NumEpochs.ToString(CultureInfo.InvariantCulture), cfg.NumEpochs.ToString(CultureInfo.InvariantCulture));
            Compare("lr", old.Lr.ToString("R", CultureInfo.InvariantCulture), cfg.Lr.ToString("R", CultureInfo.InvariantCulture));
            Compare("cos", old.Cos ? "true" : "false", cfg.Cos ? "true" : "false");
            Compare("warmup_epochs", old.WarmupEpochs.ToString(CultureInfo.InvariantCulture), cfg.WarmupEpochs.ToString(CultureInfo.InvariantCulture));
            Compare("lr_steps", Steps(old.LrSteps), Steps(cfg.LrSteps));
            if (changed.Count == 0) return null;
            var keys = string.Join(", ", changed.Select(c => $"{c.Key} {c.Was} -> {c.Now}"));
            for (int e = resumed.EpochsCompleted; e < Math.Min(old.NumEpochs, cfg.NumEpochs); e++)
            {
                double was = LearningRateSchedule.At(old, e), now = LearningRateSchedule.At(cfg, e);
                if (Math.Abs(was - now) <= 1e-12 * Math.Max(Math.Abs(was), Math.Abs(now))) continue;
                return $"note: the learning-rate schedule differs from the checkpoint's run ({keys}): " +
                    $"epoch {e + 1} runs at lr {now.ToString("G4", CultureInfo.InvariantCulture)} instead of {was.ToString("G4", CultureInfo.InvariantCulture)}, and the later epochs follow the new schedule; " +
                    $"to keep the checkpoint's schedule, resume with {string.Join(" ", changed.Select(c => $"--set {c.Key}={c.Was}"))}.";
            }
            // A finished cosine run extended: its curve is stretched over the new length.
            if (cfg.Cos && old.NumEpochs != cfg.NumEpochs && resumed.EpochsCompleted < cfg.NumEpochs)
                return $"note: the learning-rate schedule differs from the checkpoint's run ({keys}): the cosine curve now spans {ConsoleReporter.Count(cfg.NumEpochs, "epoch")}, " +
                    $"so epoch {resumed.EpochsCompleted + 1} runs at lr {LearningRateSchedule.At(cfg, resumed.EpochsCompleted).ToString("G4", CultureInfo.InvariantCulture)}.";
            return null;
        }

        /// <summary>Loads the data, builds the network, the loss and the optimiser, and restores a resumed run's progress.</summary>
        private RunSession Prepare(string? resumeFrom, CheckpointState? resumedState)
        {
            var cfg = _config;
            var splits = LoadData(cfg, _options.Data, _options.Dataset);
            var shotGroups = ShotGroupsFor(cfg, splits.TrainClassCounts);
            torch.manual_seed(cfg.Seed);
            if (resumedState is not null) CheckResumable(resumedState, splits);
            var model = CreateModel(cfg, splits.Train.SampleShape, loadPretrained: resumeFrom is null);
            TrainingCriterion? criterion = null;
            RunSession? session = null;
            try
            {
                var resumed = resumeFrom is null ? null : Checkpoint.LoadModel(resumeFrom, model);
                model.to(_options.Device);
                criterion = LossFactory.Create(cfg, splits.TrainClassCounts);
                criterion.To(_options.Device);
                // After the move: TorchSharp's to(device) gives the module new parameter tensors.
                var optimizer = optim.SGD(model.parameters(), cfg.Lr, momentum: cfg.Momentum, weight_decay: cfg.WeightDecay);
                var balance = cfg.GradientBalance ? new GradientBalanceAccumulator(cfg.NumClasses) : null;
                session = new RunSession(splits, shotGroups, model, criterion, optimizer, balance, resumeFrom);
                if (resumed is not null) Restore(session, resumed, resumeFrom!);
                return session;
            }
            catch
            {
                if (session is not null)
                {
                    session.Dispose();
                }
                else
                {
                    criterion?.Dispose();
                    model.Dispose();
                }
                throw;
            }
        }

        /// <summary>Takes a resumed run's optimiser state, history and counters from its checkpoint.</summary>
        private void Restore(RunSession session, CheckpointState resumed, string resumeFrom)
        {
            Checkpoint.LoadOptimizer(resumeFrom, session.Optimizer);
            session.History.AddRange(resumed.History);
            session.FirstEpoch = resumed.EpochsCompleted;
            session.BestTop1 = resumed.BestTop1;
            session.BestEpoch = resumed.BestEpoch;
            session.TrainImages = resumed.TrainImages;
            session.TrainSeconds = resumed.TrainSeconds;
            session.PreviousSeconds = resumed.Seconds;
            var balanceFile = Paths.Owns(resumeFrom) ? Paths.GradientBalance
                : Path.Combine(RunPaths.RunFolderOf(resumeFrom, _config.ModelDir) ?? Paths.OutputDir, Path.GetFileName(Paths.GradientBalance));
            if (session.Balance is not null && File.Exists(balanceFile))
                session.BalanceHistory.AddRange(Json.Deserialize<List<GradientBalanceEpoch>>(File.ReadAllText(balanceFile)).Where(e => e.Epoch <= session.FirstEpoch));
            _observer.Message(session.FirstEpoch < _config.NumEpochs
                ? $"Resuming {resumed.Name} after epoch {session.FirstEpoch} from {resumeFrom}"
                : $"{resumed.Name} has all {ConsoleReporter.Count(_config.NumEpochs, "epoch")} done ({resumeFrom}); nothing to train, the results are written again.");
        }

        private void Announce(RunSession session)
        {
            var cfg = _config;
            Directory.CreateDirectory(Paths.OutputDir);
            _observer.RunStarted(new RunInfo
            {
                Name = cfg.Name, Dataset = session.Splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, Parameters = session.Model.ParameterCount(),
                Device = _options.Device.ToString(), TrainSamples = session.Splits.Train.Count, TestSamples = session.Splits.Test.Count,
                TrainClassCounts = session.Counts, NumEpochs = cfg.NumEpochs, FirstEpoch = session.FirstEpoch + 1, OutputDir = Paths.OutputDir,
                BatchesPerEpoch = BatchLoader.BatchCount(session.Splits.Train.Count, MicroBatchSize(cfg)),
            });
        }

        /// <summary>Trains the remaining epochs, evaluating and saving after each.</summary>
        /// <returns>True when the run was stopped before its last epoch.</returns>
        private bool TrainEpochs(RunSession session, Stopwatch wall)
        {
            var cfg = _config;
            var token = _options.Cancellation;
            for (int epoch = session.FirstEpoch; epoch < cfg.NumEpochs; epoch++)
            {
                if (token.IsCancellationRequested) return true;
                var epochClock = Stopwatch.StartNew();
                double lr = LearningRateSchedule.At(cfg, epoch);
                foreach (var group in session.Optimizer.ParamGroups) group.LearningRate = lr;
                session.Criterion.StartEpoch(epoch);
                torch.manual_seed(Seeds.Derive(cfg.Seed, epoch, Seeds.Purpose.Torch));
                var order = SamplerFactory.EpochOrder(cfg, session.Splits.Train.Labels, epoch);
                var mixup = cfg.Mixup ? new Mixup(cfg.Alpha, Seeds.Derive(cfg.Seed, epoch, Seeds.Purpose.Mixup)) : null;
                int batches = BatchLoader.BatchCount(order.Length, MicroBatchSize(cfg));
                _observer.EpochStarted(epoch + 1, batches, lr);

                var (trainLoss, trainTop1, seen, seconds, completed) = TrainEpoch(session.Model, session.Criterion, session.Optimizer, mixup, session.Balance, session.Splits.Train, order, epoch, batches);
                if (!completed)
                {
                    // Stopped mid-epoch: the partial epoch is discarded; results describe the last checkpoint.
                    if (session.LastSaved is not null) Checkpoint.LoadModel(session.LastSaved, session.Model);
                    return true;
                }
                session.TrainImages += seen;
                session.TrainSeconds += seconds;

                var last = Evaluator.Evaluate(session.Model, session.Splits.Test, _options.Device, session.ShotGroups, EvalBatchSize(cfg), cfg.Workers, token);
                session.Last = last;
                bool isBest = last.Top1 > session.BestTop1;
                if (isBest) { session.BestTop1 = last.Top1; session.BestEpoch = epoch + 1; }
                var record = new EpochRecord
                {
                    Epoch = epoch + 1, Lr = lr, TrainLoss = trainLoss, TrainTop1 = trainTop1, Top1 = last.Top1, Top5 = last.Top5,
                    Many = last.Many, Medium = last.Medium, Few = last.Few, Ece = last.Ece,
                    Seconds = epochClock.Elapsed.TotalSeconds, ImagesPerSecond = seconds > 0 ? seen / seconds : 0,
                };
                session.History.Add(record);
                SaveEpoch(session, epoch, isBest, wall);
                _observer.EpochCompleted(record, isBest);
            }
            return false;
        }

        /// <summary>Writes what an epoch leaves behind: the gradient balance, the CSV log and the checkpoints (atomically).</summary>
        private void SaveEpoch(RunSession session, int epoch, bool isBest, Stopwatch wall)
        {
            var cfg = _config;
            if (session.Balance is { Steps: > 0 } balance)
            {
                using var mean = balance.Mean();
                session.BalanceHistory.Add(GradientBalanceEpoch.From(epoch + 1, mean.ToHost()));
                balance.Reset();
                AtomicFile.WriteAllText(Paths.GradientBalance, Json.Serialize(session.BalanceHistory));
            }
            CsvLog.Write(Paths.Log, session.History);
            var state = new CheckpointState
            {
                Name = cfg.Name, Dataset = session.Splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, NumClasses = cfg.NumClasses, Seed = cfg.Seed,
                EpochsCompleted = epoch + 1, NumEpochs = cfg.NumEpochs, Lr = cfg.Lr, Cos = cfg.Cos, WarmupEpochs = cfg.WarmupEpochs, LrSteps = cfg.LrSteps.ToArray(),
                BestTop1 = session.BestTop1, BestEpoch = session.BestEpoch,
                TrainImages = session.TrainImages, TrainSeconds = session.TrainSeconds, Seconds = session.PreviousSeconds + wall.Elapsed.TotalSeconds,
                History = session.History.ToArray(), SavedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            };
            Checkpoint.Save(Paths.LastCheckpoint, session.Model, session.Optimizer, state);
            session.LastSaved = Paths.LastCheckpoint;
            if (isBest) Checkpoint.Save(Paths.BestCheckpoint, session.Model, null, state);
        }

        /// <summary>Writes <c>results.json</c> and the plots of the run as it stands.</summary>
        /// <param name="session">The run.</param>
        /// <param name="interrupted">Whether it was stopped before its last epoch.</param>
        /// <param name="wall">Time since the run started.</param>
        /// <param name="created">Whether this run made the output folder (removed again when it stays empty).</param>
        private RunResults Finish(RunSession session, bool interrupted, Stopwatch wall, bool created)
        {
            var cfg = _config;
            var last = session.Last;
            if (last is null)
            {
                // Nothing trained in this session (resumed a finished run, or stopped at once): evaluate the current weights.
                if (session.History.Count == 0 && interrupted)
                {
                    if (created && Directory.Exists(Paths.OutputDir) && !Directory.EnumerateFileSystemEntries(Paths.OutputDir).Any()) Directory.Delete(Paths.OutputDir);
                    throw new RunInterruptedException($"{cfg.Name} was stopped before its first epoch finished; nothing was saved (run the same command again to start it).", 0, _options.Cancellation);
                }
                last = Evaluator.Evaluate(session.Model, session.Splits.Test, _options.Device, session.ShotGroups, EvalBatchSize(cfg), cfg.Workers);
                KeepResumedFiles(session);
            }
            var history = session.History;
            var shotGroups = session.ShotGroups;
            var results = new RunResults
            {
                Name = cfg.Name, Dataset = session.Splits.Id, Loss = cfg.Loss, Backbone = cfg.Backbone, Seed = cfg.Seed, Device = _options.Device.ToString(),
                Epochs = history.Count, NumEpochs = cfg.NumEpochs, Completed = history.Count >= cfg.NumEpochs,
                Top1 = last.Top1, Top5 = last.Top5, Many = last.Many, Medium = last.Medium, Few = last.Few, Ece = last.Ece,
                BestTop1 = history.Count > 0 ? session.BestTop1 : last.Top1, BestEpoch = session.BestEpoch,
                PerClassAccuracy = last.PerClassAccuracy, TrainClassCounts = session.Counts.ToArray(), TestClassCounts = last.PerClassCount,
                ClassNames = session.Splits.ClassNames.ToArray(), History = history.ToArray(),
                RepulsionOverAttractionByEpoch = session.BalanceHistory.Select(b => b.RepulsionOverAttraction()).ToArray(),
                ShotGroups = new Dictionary<string, IReadOnlyList<int>>
                {
                    ["many"] = shotGroups.ClassesIn(ShotGroup.Many), ["medium"] = shotGroups.ClassesIn(ShotGroup.Medium), ["few"] = shotGroups.ClassesIn(ShotGroup.Few),
                },
                Reliability = last.Reliability,
                Seconds = session.PreviousSeconds + wall.Elapsed.TotalSeconds, TrainSeconds = session.TrainSeconds,
                ImagesPerSecond = session.TrainSeconds > 0 ? session.TrainImages / session.TrainSeconds : 0, Parameters = session.Model.ParameterCount(),
            };
            AtomicFile.WriteAllText(Paths.Results, Json.Serialize(results));
            if (_options.WritePlots)
                RunPlots.Write(Paths.PlotDir, results, history, session.BalanceHistory.LastOrDefault(), session.Splits.ClassNames);
            _observer.RunCompleted(results);
            return results;
        }

        /// <summary>A resumed run that trained nothing into another folder: that folder gets the checkpoint and the log too,
        /// so it is a whole run (which <c>evaluate</c> and a later resume can use).</summary>
        private void KeepResumedFiles(RunSession session)
        {
            if (session.ResumedFrom is not { } from || Paths.Owns(from)) return;
            foreach (var (source, target) in new[] { (from, Paths.LastCheckpoint), (Path.Combine(Path.GetDirectoryName(from)!, "best.ckpt"), Paths.BestCheckpoint) })
            {
                if (!File.Exists(source) || File.Exists(target)) continue;
                AtomicFile.Copy(source, target);
                if (File.Exists(source + ".json")) AtomicFile.Copy(source + ".json", target + ".json");
            }
            if (!File.Exists(Paths.Log)) CsvLog.Write(Paths.Log, session.History);
        }

        /// <summary>Samples per forward/backward pass: <c>batch_size / accumulation_steps</c>.</summary>
        /// <param name="config">Supplies batch_size and accumulation_steps.</param>
        /// <returns>The micro-batch size (the batch size without accumulation).</returns>
        public static int MicroBatchSize(TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            return config.BatchSize / Math.Max(1, config.AccumulationSteps);
        }

        /// <summary>Builds the config's backbone for samples of <paramref name="sampleShape"/>, with the large-model options
        /// (pretrained weights, frozen backbone, bf16).</summary>
        /// <param name="config">Supplies backbone, num_classes, pretrained, freeze_backbone and bf16.</param>
        /// <param name="sampleShape">Shape of one sample.</param>
        /// <param name="loadPretrained">Whether to load the <c>pretrained</c> weights (not when a checkpoint follows).</param>
        /// <returns>The network on the CPU.</returns>
        /// <exception cref="ConfigException">The pretrained weights file is missing or does not fit the backbone.</exception>
        public static ClassifierNetwork CreateModel(TrainingConfig config, IReadOnlyList<long> sampleShape, bool loadPretrained = true)
        {
            ArgumentNullException.ThrowIfNull(config);
            var spec = new ModelSpec(config.NumClasses, sampleShape)
            {
                PretrainedPath = loadPretrained && config.Pretrained.Length > 0 ? config.Pretrained : null,
                FreezeBackbone = config.FreezeBackbone,
                Bf16 = config.Bf16,
                Dataset = config.Dataset,
                // Resume and evaluate take every weight from the checkpoint: no ImageNet lookup then.
                NotPretrained = config.NotPretrained || !loadPretrained,
            };
            try
            {
                var model = ModelFactory.Create(config.Backbone, spec);
                // LDAM's s = 30 assumes cosine logits (Cao et al.'s normalised classifier), not an unnormalised linear head.
                model.CosineHead = LossFactory.WantsCosineHead(config.Loss);
                return model;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException && !spec.NotPretrained)
            {
                throw new ConfigException("pretrained", $"{config.Source}: 'pretrained': {e.Message}", e);
            }
        }

        private void CheckResumable(CheckpointState state, DatasetSplits splits)
        {
            void Require(bool ok, string key, string what)
            {
                if (!ok) throw new ConfigException(key, $"{_config.WhereOf("resume")}: the checkpoint was written by a run with {what}; resume with the same settings.");
            }
            Require(state.Backbone == _config.Backbone, "backbone", $"backbone {state.Backbone}, not {_config.Backbone}");
            Require(state.NumClasses == _config.NumClasses, "num_classes", $"{state.NumClasses} classes, not {_config.NumClasses}");
            Require(state.Loss == _config.Loss, "loss", $"loss {state.Loss}, not {_config.Loss}");
            Require(state.Dataset == splits.Id, "dataset", $"dataset {state.Dataset}, not {splits.Id}");
            Require(state.Seed == _config.Seed, "seed", $"seed {state.Seed}, not {_config.Seed}");
        }

        /// <summary>
        /// One epoch of training. Per micro-batch the host never waits for the device: the batch is copied without
        /// blocking (8-bit pixels normalised on the device), targets are not validated by the loss (they were checked on
        /// the host when the data loaded), batch class counts and the mixup permutation are computed on the host and
        /// copied without blocking, and the running loss and accuracy stay on the device until they are logged (every
        /// <c>print_freq</c> micro-batches, one read-back). With <c>gradient_balance: true</c> the accumulator takes the
        /// classes present and their counts from the batch's host labels, so it reads nothing back either.
        /// </summary>
        private (double Loss, double Top1, long Seen, double Seconds, bool Completed) TrainEpoch(ClassifierNetwork model, TrainingCriterion criterion,
            OptimizerHelper optimizer, Mixup? mixup, GradientBalanceAccumulator? balance, ISampleSource train, int[] order, int epoch, int batches)
        {
            var cfg = _config;
            var device = _options.Device;
            NativeHeap.KeepFreedMemory();
            var clock = Stopwatch.StartNew();
            model.train();
            criterion.ValidateTargets = false;
            using var sums = zeros(2, ScalarType.Float64, device);   // loss * samples, correct predictions
            long seen = 0;
            double loss = double.NaN, top1 = double.NaN;
            var loaderOptions = new BatchLoaderOptions
            {
                Workers = cfg.Workers, Prefetch = 4, Augment = true, Seed = Seeds.Mix(cfg.Seed, epoch, Seeds.Purpose.Augmentation),
                PinMemory = device.type == DeviceType.CUDA,
            };
            // Gradient accumulation: micro-batches of batch_size / k; the optimiser steps once per effective batch.
            int steps = Math.Max(1, cfg.AccumulationSteps);
            bool batchCounts = GradientAccumulation.NeedsBatchCounts(criterion.Module);
            bool sharedCounts = steps > 1 && batchCounts;
            // Off the CPU a batch-count loss would count its targets on the device (bincount reads its range back): count
            // them on the host instead. On the CPU the loss counts on the host itself.
            bool hostCounts = batchCounts && device.type != DeviceType.CPU;
            Tensor? groupCounts = null;
            double groupSize = 0;
            int done = 0;
            try
            {
                foreach (var batch in BatchLoader.Load(train, order, MicroBatchSize(cfg), loaderOptions, _options.Cancellation))
                {
                    using (batch)
                    using (var scope = NewDisposeScope())
                    {
                        bool firstOfGroup = batch.Index % steps == 0;
                        bool lastOfGroup = batch.Index % steps == steps - 1 || batch.Index == batches - 1;
                        if (firstOfGroup)
                        {
                            int start = batch.Index / steps * cfg.BatchSize;
                            groupSize = Math.Min(cfg.BatchSize, order.Length - start);
                            groupCounts?.Dispose();
                            groupCounts = sharedCounts
                                ? GradientAccumulation.EffectiveBatchCounts(train.Labels, order, start, (int)groupSize, cfg.NumClasses, device).DetachFromDisposeScope()
                                : null;
                            optimizer.zero_grad();
                        }
                        var x = batch.ImagesOn(device);
                        var y = batch.LabelsOn(device);
                        var counts = groupCounts ?? (hostCounts ? DeviceUpload.ClassCounts(batch.HostLabels, cfg.NumClasses, device) : null);
                        var (inputs, targetsB, lambda) = mixup is null ? (x, null, 1.0) : Mix(mixup, batch, x, y, device);
                        var (features, logits) = model.ForwardWithFeatures(inputs);
                        Tensor batchLoss;
                        if (counts is null && steps == 1)
                        {
                            batchLoss = targetsB is not null ? MixupLoss.Compute(criterion.Module, logits, y, targetsB, lambda) : criterion.Module.call(logits, y);
                            batchLoss.backward();
                        }
                        else
                        {
                            batchLoss = GradientAccumulation.MicroBatchLoss(criterion.Module, logits, y, targetsB, lambda, counts);
                            if (steps == 1)
                            {
                                batchLoss.backward();
                            }
                            else
                            {
                                using var share = (batch.Size / groupSize).ToScalar();
                                batchLoss.mul(share).backward();
                            }
                        }
                        if (lastOfGroup) optimizer.step();
                        using (no_grad())
                        using (var size = batch.Size.ToScalar())
                        {
                            sums[0].add_(batchLoss.detach().to_type(ScalarType.Float64), size);
                            sums[1].add_(logits.argmax(1).eq(y).sum(), One);
                        }
                        if (balance is not null)
                        {
                            // The labels' classes and counts come from the host: nothing is read back.
                            var logitGradient = hostCounts ? CountedLogitGradient(criterion.Module, logits, y, counts!) : GradientBalance.LogitGradient(logits.detach(), y, criterion.Module);
                            balance.Add(features.detach(), logitGradient, y, batch.HostLabels);
                        }
                        seen += batch.Size;
                        done++;
                        bool fresh = done == 1 || done % cfg.PrintFreq == 0 || done == batches;
                        if (fresh)
                        {
                            // The one read-back of a step, and only every print_freq steps.
                            using var host = sums.cpu();
                            var values = host.data<double>();
                            loss = values[0] / seen;
                            top1 = 100.0 * values[1] / seen;
                        }
                        _observer.BatchCompleted(new BatchProgress(epoch + 1, done, batches, loss, top1, seen / Math.Max(1e-9, clock.Elapsed.TotalSeconds), fresh));
                    }
                }
            }
            catch (OperationCanceledException) when (_options.Cancellation.IsCancellationRequested)
            {
                return (loss, top1, seen, clock.Elapsed.TotalSeconds, false);
            }
            finally
            {
                groupCounts?.Dispose();
            }
            return (loss, top1, seen, clock.Elapsed.TotalSeconds, done == batches);
        }

        /// <summary>
        /// Mixup of a batch on the device without a blocking upload: lambda and the permutation are drawn on the host by
        /// the package's <see cref="Mixup"/> (applied to a [B, 1] host placeholder, so its own upload of the permutation
        /// stays on the host), the permutation is copied without blocking, and the inputs are mixed as
        /// <see cref="Mixup.Apply"/> mixes them (<c>lam * x + (1 - lam) * x[perm]</c>, the same operations, so the
        /// same values).
        /// </summary>
        private static (Tensor Inputs, Tensor TargetsB, double Lambda) Mix(Mixup mixup, Batch batch, Tensor x, Tensor y, Device device)
        {
            using var placeholder = zeros(batch.Size, 1);
            using var drawn = mixup.Apply(placeholder, batch.Labels);
            double lam = drawn.Lambda;
            var perm = new long[batch.Size];
            for (int i = 0; i < perm.Length; i++) perm[i] = drawn.Permutation[i];
            var index = DeviceUpload.Int64(perm, device);
            Tensor mixed;
            if (lam == 1.0)
            {
                mixed = x.clone();
            }
            else
            {
                using var keep = lam.ToScalar();
                using var rest = (1 - lam).ToScalar();
                mixed = x.mul(keep).add(x.index_select(0, index).mul(rest), One);
            }
            return (mixed, y.index_select(0, index), lam);
        }

        /// <summary>
        /// The logit gradient of the sum of per-sample losses (as <see cref="GradientBalance.LogitGradient"/>) for a
        /// batch-count loss, from counts computed on the host: no device-side counting.
        /// </summary>
        private static Tensor CountedLogitGradient(Loss<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor targets, Tensor counts)
        {
            using var gradMode = enable_grad();
            var z = logits.detach().clone().requires_grad_(true);
            var value = GradientAccumulation.MicroBatchLoss(criterion, z, targets, null, 1.0, counts).sum();
            var g = torch.autograd.grad(new[] { value }, new[] { z })[0];
            if (criterion.reduction == nn.Reduction.Mean)
            {
                using var size = logits.size(0).ToScalar();
                g = g.mul(size);
            }
            return g.detach();
        }
    }
}
