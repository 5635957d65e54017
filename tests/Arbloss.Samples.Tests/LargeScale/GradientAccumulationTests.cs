using System;
using System.IO;
using System.Linq;
using Arbloss.Losses;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using FsCheck;
using FsCheck.Xunit;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.LargeScale
{
    /// <summary>Accumulated micro-batch gradients equal the full-batch gradient (float64), for cross-entropy and for
    /// ARB-Loss with batch counts (counts of the whole effective batch, of the un-mixed targets under mixup).</summary>
    [Collection(TorchRngCollection.Name)]
    public class GradientAccumulationTests
    {
        private const int Features = 6;

        /// <summary>Gradient of the loss w.r.t. W for logits x W^T, the whole batch at once.</summary>
        private static double[] FullGradient(Loss<Tensor, Tensor, Tensor> criterion, Tensor w, Tensor x, Tensor y, Tensor? yB, double lam)
        {
            using var scope = NewDisposeScope();
            w.grad?.zero_();
            var logits = x.matmul(w.t());
            var loss = yB is null ? criterion.call(logits, y) : MixupLoss.Compute(criterion, logits, y, yB, lam);
            loss.backward();
            return w.grad!.data<double>().ToArray();
        }

        /// <summary>The same gradient accumulated over <paramref name="steps"/> micro-batches, as the trainer does it.</summary>
        private static double[] AccumulatedGradient(Loss<Tensor, Tensor, Tensor> criterion, Tensor w, Tensor x, Tensor y, Tensor? yB, double lam, int steps, bool shareCounts)
        {
            using var scope = NewDisposeScope();
            w.grad?.zero_();
            long batch = x.shape[0], micro = batch / steps;
            var counts = shareCounts && GradientAccumulation.NeedsBatchCounts(criterion)
                ? GradientAccumulation.EffectiveBatchCounts(y.data<long>().ToArray(), Enumerable.Range(0, (int)batch).ToArray(), 0, (int)batch, (int)w.shape[0], CPU)
                : null;
            for (long start = 0; start < batch; start += micro)
            {
                var xi = x.narrow(0, start, micro);
                var yi = y.narrow(0, start, micro);
                var loss = GradientAccumulation.MicroBatchLoss(criterion, xi.matmul(w.t()), yi, yB?.narrow(0, start, micro), lam, counts);
                loss.mul((double)micro / batch).backward();
            }
            return w.grad!.data<double>().ToArray();
        }

        private static (Tensor W, Tensor X, Tensor Y, Tensor YB, double Lam) Problem(int seed, int classes, int batch)
        {
            var g = new Generator((ulong)seed);
            var w = randn(new long[] { classes, Features }, ScalarType.Float64, generator: g).requires_grad_();
            var x = randn(new long[] { batch, Features }, ScalarType.Float64, generator: g);
            // Every class present at least once in the effective batch, as batch counts need for each target's class.
            var y = randint(0, classes, new long[] { batch }, ScalarType.Int64, generator: g);
            var perm = randperm(batch, ScalarType.Int64, generator: g);
            var lam = 0.2 + 0.6 * rand(1, ScalarType.Float64, generator: g).item<double>();
            var xm = x.mul(lam).add(x.index_select(0, perm).mul(1 - lam));
            return (w, xm, y, y.index_select(0, perm), lam);
        }

        private static double MaxDifference(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();

        [Property(MaxTest = 60)]
        public bool AccumulatedGradientsEqualTheFullBatchGradient(PositiveInt seed, bool arb, bool mixup)
        {
            using var scope = NewDisposeScope();
            int classes = 3 + seed.Get % 4;
            int steps = 2 + seed.Get % 3;
            int micro = 1 + (seed.Get / 7) % 4;
            var (w, x, y, yB, lam) = Problem(seed.Get, classes, steps * micro);
            using Loss<Tensor, Tensor, Tensor> criterion = arb ? new ArbLoss(classes) : nn.CrossEntropyLoss();
            var full = FullGradient(criterion, w, x, y, mixup ? yB : null, lam);
            var accumulated = AccumulatedGradient(criterion, w, x, y, mixup ? yB : null, lam, steps, shareCounts: true);
            return MaxDifference(full, accumulated) < 1e-12 && full.Any(v => v != 0);
        }

        [Fact]
        public void WithoutTheEffectiveBatchCountsArbLossGradientsWouldDiffer()
        {
            using var scope = NewDisposeScope();
            var (w, x, y, _, _) = Problem(11, 5, 12);
            using var criterion = new ArbLoss(5);
            var full = FullGradient(criterion, w, x, y, null, 1);
            var shared = AccumulatedGradient(criterion, w, x, y, null, 1, 4, shareCounts: true);
            var perMicroBatch = AccumulatedGradient(criterion, w, x, y, null, 1, 4, shareCounts: false);
            Assert.True(MaxDifference(full, shared) < 1e-12);
            Assert.True(MaxDifference(full, perMicroBatch) > 1e-4);
        }

        [Fact]
        public void EffectiveBatchCountsCountTheLabelsOfTheRangeOfTheOrder()
        {
            var labels = new long[] { 0, 1, 1, 2, 2, 2 };
            var order = new[] { 5, 4, 3, 2, 1, 0 };
            using var counts = GradientAccumulation.EffectiveBatchCounts(labels, order, 1, 4, 3, CPU);
            Assert.Equal(new long[] { 0, 2, 2 }, counts.data<long>().ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => GradientAccumulation.EffectiveBatchCounts(labels, order, 4, 4, 3, CPU));
        }

        [Fact]
        public void TrainingWithAccumulationFollowsTheSameTrajectoryAsTheFullBatch()
        {
            // An MLP has no batch norm and the synthetic data no augmentation: one epoch with batch 32 in one piece and
            // in 4 accumulated micro-batches of 8 must give the same weights (float32 rounding aside).
            using var dir = new TempDir();
            ClassifierNetwork Train(int steps, string output)
            {
                var cfg = ConfigLoader.Parse($"dataset: synthetic\nnum_classes: 4\nimb_factor: 0.05\nbackbone: mlp\nbatch_size: 32\naccumulation_steps: {steps}\n" +
                    "lr: 0.05\nnum_epochs: 1\ncos: true\narbloss: true\nworkers: 0\ndeterministic: true\nseed: 5\n", "acc.yaml");
                new Trainer(cfg, new TrainerOptions { OutputDir = dir.Combine(output), WritePlots = false }).Run();
                var model = Trainer.CreateModel(cfg, new long[] { 32 });
                Checkpoint.LoadModel(dir.Combine(output, "checkpoints", "last.ckpt"), model);
                return model;
            }
            using var whole = Train(1, "whole");
            using var accumulated = Train(4, "accumulated");
            var a = whole.parameters().ToArray();
            var b = accumulated.parameters().ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++)
            {
                var scale = a[i].abs().max().item<float>();
                var diff = a[i].sub(b[i]).abs().max().item<float>();
                Assert.True(diff <= 1e-4 * Math.Max(1, scale), $"parameter {i}: max difference {diff}");
            }
            var logWhole = File.ReadAllLines(dir.Combine("whole", "log.csv"));
            Assert.Equal(2, logWhole.Length);
        }
    }
}
