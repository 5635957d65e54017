using System;
using System.Collections.Generic;
using Arbloss.Losses.Diagnostics;
using Arbloss.Losses.LongTail;
using Arbloss.Samples.Data;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using TorchSharp.Modules;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Everything one run of <see cref="Trainer"/> holds between its phases: the data, the network, the loss and the
    /// optimiser it built, and the progress so far (restored from the checkpoint when resuming). Owns and disposes the
    /// network, the loss, the optimiser and the gradient-balance accumulator.
    /// </summary>
    internal sealed class RunSession : IDisposable
    {
        public RunSession(DatasetSplits splits, ShotGroups shotGroups, ClassifierNetwork model, TrainingCriterion criterion,
            SGD optimizer, GradientBalanceAccumulator? balance, string? resumedFrom)
        {
            Splits = splits;
            ShotGroups = shotGroups;
            Model = model;
            Criterion = criterion;
            Optimizer = optimizer;
            Balance = balance;
            ResumedFrom = resumedFrom;
            LastSaved = resumedFrom;
        }

        public DatasetSplits Splits { get; }

        public IReadOnlyList<long> Counts => Splits.TrainClassCounts;

        public ShotGroups ShotGroups { get; }

        public ClassifierNetwork Model { get; }

        public TrainingCriterion Criterion { get; }

        public SGD Optimizer { get; }

        public GradientBalanceAccumulator? Balance { get; }

        /// <summary>The checkpoint the run continues from, or null for a fresh run.</summary>
        public string? ResumedFrom { get; }

        /// <summary>The newest checkpoint on disk (the one an interrupted epoch rolls back to).</summary>
        public string? LastSaved { get; set; }

        public List<EpochRecord> History { get; } = new();

        public List<GradientBalanceEpoch> BalanceHistory { get; } = new();

        public int FirstEpoch { get; set; }

        public double BestTop1 { get; set; } = double.NegativeInfinity;

        public int BestEpoch { get; set; }

        public long TrainImages { get; set; }

        public double TrainSeconds { get; set; }

        /// <summary>Wall seconds of the earlier sessions of a resumed run.</summary>
        public double PreviousSeconds { get; set; }

        /// <summary>The evaluation of the last epoch trained in this session, or null.</summary>
        public EvaluationSummary? Last { get; set; }

        public void Dispose()
        {
            Balance?.Dispose();
            Optimizer.Dispose();
            Criterion.Dispose();
            Model.Dispose();
        }
    }
}
