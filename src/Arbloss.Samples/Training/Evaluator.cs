using System;
using System.Linq;
using System.Threading;
using Arbloss.Losses.Diagnostics;
using Arbloss.Losses.LongTail;
using Arbloss.Samples.Data;
using Arbloss.Samples.Models;
using Arbloss.Samples.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>Evaluates a model on a test set with the package's <see cref="ClassificationMetrics"/>: top-1, top-5,
    /// per-class and many / medium / few-shot accuracy, 15-bin ECE and the reliability diagram.</summary>
    public static class Evaluator
    {
        /// <summary>Evaluates <paramref name="model"/> on every sample of <paramref name="test"/>.</summary>
        /// <param name="model">The model, on <paramref name="device"/>; it is put in evaluation mode.</param>
        /// <param name="test">The test set (read without augmentation).</param>
        /// <param name="device">The model's device.</param>
        /// <param name="shotGroups">Many / medium / few grouping of the classes, or null.</param>
        /// <param name="batchSize">Evaluation batch size (the trainer uses its micro-batch size, <see cref="Trainer.EvalBatchSize"/>).</param>
        /// <param name="workers">Threads building batches.</param>
        /// <param name="cancellationToken">Stops the evaluation.</param>
        /// <returns>The metrics, in percent.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The test set is empty, or the model produced NaN or infinite logits.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        public static EvaluationSummary Evaluate(ClassifierNetwork model, ISampleSource test, Device device, ShotGroups? shotGroups,
            int batchSize, int workers, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(test);
            ArgumentNullException.ThrowIfNull(device);
            if (test.Count == 0) throw new ArgumentException("The test set is empty.", nameof(test));
            model.eval();
            using var metrics = new ClassificationMetrics(model.NumClasses, shotGroups, calibrationBins: 15);
            var order = Enumerable.Range(0, test.Count).ToArray();
            using (no_grad())
            {
                var options = new BatchLoaderOptions { Workers = workers, Augment = false, PinMemory = device.type == DeviceType.CUDA };
                foreach (var batch in BatchLoader.Load(test, order, batchSize, options, cancellationToken))
                {
                    using (batch)
                    using (var scope = NewDisposeScope())
                    {
                        var logits = model.call(batch.ImagesOn(device));
                        metrics.Update(logits, batch.LabelsOn(device));
                    }
                }
            }
            var report = metrics.Compute();
            static double Pct(double fraction) => 100.0 * fraction;
            return new EvaluationSummary
            {
                Samples = report.SampleCount,
                Top1 = Pct(report.Top1),
                Top5 = report.TopK.TryGetValue(5, out var top5) ? Pct(top5) : 100.0,
                Many = report.ManyShotAccuracy is double many ? Pct(many) : null,
                Medium = report.MediumShotAccuracy is double medium ? Pct(medium) : null,
                Few = report.FewShotAccuracy is double few ? Pct(few) : null,
                Ece = Pct(report.Ece),
                PerClassAccuracy = report.PerClassAccuracy.Select(a => double.IsNaN(a) ? (double?)null : Pct(a)).ToArray(),
                PerClassCount = report.PerClassCount.ToArray(),
                Reliability = report.ReliabilityBins.Select(b => new ReliabilityPoint(b.Lower, b.Upper, b.Count,
                    b.Count > 0 ? Pct(b.Accuracy) : 0, b.Count > 0 ? Pct(b.Confidence) : 0)).ToArray(),
            };
        }
    }
}
