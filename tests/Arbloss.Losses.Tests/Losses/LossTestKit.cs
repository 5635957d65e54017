using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>A random loss input: logits [B, C] (float64), targets, class counts (targets' classes have positive counts).</summary>
    public sealed record LossCase(int Batch, int Classes, double[] Logits, long[] Target, long[] Counts, double[] RowWeights)
    {
        public Tensor LogitsTensor(bool requiresGrad = false) =>
            tensor(Logits, ScalarType.Float64).reshape(Batch, Classes).requires_grad_(requiresGrad);

        public Tensor TargetTensor() => tensor(Target, ScalarType.Int64);

        public Tensor CountsTensor() => tensor(Counts, ScalarType.Int64);

        public override string ToString() =>
            $"B={Batch} C={Classes} logits=[{string.Join(", ", Logits.Select(v => v.ToString("R")))}] target=[{string.Join(", ", Target)}] counts=[{string.Join(", ", Counts)}]";
    }

    internal static class LossTestKit
    {
        /// <summary>Batches of 1-3 rows, 1-5 classes, logits in [-6, 6], counts in [0, 60] with zeros only off the targets.</summary>
        public static Gen<LossCase> Cases(bool allowZeroCounts = true, int maxClasses = 5) =>
            from b in Gen.Choose(1, 3)
            from c in Gen.Choose(1, maxClasses)
            from logits in Gen.ArrayOf(Gen.Choose(-6000, 6000).Select(i => i / 1000.0), b * c)
            from target in Gen.ArrayOf(Gen.Choose(0, c - 1).Select(i => (long)i), b)
            from counts in Gen.ArrayOf(Gen.Choose(allowZeroCounts ? 0 : 1, 60).Select(i => (long)i), c)
            from rowWeights in Gen.ArrayOf(Gen.Choose(1, 1000).Select(i => i / 500.0), b)
            select new LossCase(b, c, logits, target, FixCounts(counts, target), rowWeights);

        /// <summary>Counts where every target's class is positive (so every loss is finite).</summary>
        private static long[] FixCounts(long[] counts, long[] target)
        {
            var fixedCounts = (long[])counts.Clone();
            foreach (var t in target) if (fixedCounts[t] == 0) fixedCounts[t] = 1 + t;
            return fixedCounts;
        }

        public static nn.Reduction[] Reductions { get; } = { nn.Reduction.Mean, nn.Reduction.Sum, nn.Reduction.None };

        /// <summary>A case with a reduction and one value of a hyper-parameter.</summary>
        public static Arbitrary<(LossCase Case, nn.Reduction Reduction, double Parameter)> With(double[] parameters, bool allowZeroCounts = true) =>
            (from c in Cases(allowZeroCounts)
             from r in Gen.Elements(Reductions)
             from p in Gen.Elements(parameters)
             select (c, r, p)).ToArbitrary();

        /// <summary>A scalar from a loss output: itself, or for None a fixed positive combination of the rows.</summary>
        private static Tensor Scalarise(Tensor loss, LossCase c) =>
            loss.dim() == 0 ? loss : loss.mul(tensor(c.RowWeights, loss.dtype)).sum();

        /// <summary>
        /// Autograd gradient of <paramref name="loss"/> against central finite differences in float64
        /// (step 1e-6, tolerance relative 1e-5 plus absolute <paramref name="absTolerance"/>).
        /// </summary>
        public static bool GradientMatchesFiniteDifferences(LossCase c, Func<Tensor, Tensor> loss, double absTolerance = 1e-6)
        {
            using var scope = NewDisposeScope();
            var x = c.LogitsTensor(requiresGrad: true);
            Scalarise(loss(x), c).backward();
            var analytic = x.grad!.data<double>().ToArray();
            const double h = 1e-6;
            for (int i = 0; i < c.Logits.Length; i++)
            {
                double Eval(double delta)
                {
                    using var inner = NewDisposeScope();
                    var shifted = (double[])c.Logits.Clone();
                    shifted[i] += delta;
                    using var xs = tensor(shifted, ScalarType.Float64).reshape(c.Batch, c.Classes);
                    return Scalarise(loss(xs), c).item<double>();
                }
                double numeric = (Eval(h) - Eval(-h)) / (2 * h);
                double tol = 1e-5 * Math.Abs(numeric) + absTolerance;
                if (!(Math.Abs(numeric - analytic[i]) <= tol))
                    throw new Xunit.Sdk.XunitException($"gradient[{i}]: autograd {analytic[i]:R} vs finite difference {numeric:R} for {c}");
            }
            return true;
        }

        /// <summary>Loss output as a double array (a scalar becomes one element).</summary>
        public static double[] Values(Tensor loss) => loss.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

        /// <summary>True when both loss outputs agree to relative 1e-10 (absolute 1e-12).</summary>
        public static bool Same(Tensor a, Tensor b, double rel = 1e-10, double abs = 1e-12)
        {
            var x = Values(a);
            var y = Values(b);
            if (x.Length != y.Length) return false;
            for (int i = 0; i < x.Length; i++)
                if (!(Math.Abs(x[i] - y[i]) <= rel * Math.Abs(y[i]) + abs)) return false;
            return true;
        }

        /// <summary>Plain cross-entropy (TorchSharp's) as the reference.</summary>
        public static Tensor CrossEntropy(Tensor x, Tensor target, nn.Reduction r) => nn.functional.cross_entropy(x, target, reduction: r);

        /// <summary>Asserts a loss and its gradient on an empty batch: 0 for Mean and Sum, empty for None.</summary>
        public static void AssertEmptyBatch(Func<Tensor, Tensor, nn.Reduction, Tensor> loss, int classes)
        {
            foreach (var r in Reductions)
            {
                using var scope = NewDisposeScope();
                var x = zeros(new long[] { 0, classes }, ScalarType.Float64).requires_grad_(true);
                var y = zeros(0, ScalarType.Int64);
                var l = loss(x, y, r);
                if (r == nn.Reduction.None) Assert.Equal(new long[] { 0 }, l.shape);
                else
                {
                    Assert.Equal(0.0, l.item<double>());
                    l.backward();
                    Assert.Equal(new long[] { 0, classes }, x.grad!.shape);
                }
            }
        }

        /// <summary>Half-precision logits: computed in float32, gradient in the input's dtype, close to the float64 value.</summary>
        public static void AssertHalfPrecision(Func<Tensor, Tensor, Tensor> loss)
        {
            using var scope = NewDisposeScope();
            var x64 = tensor(new double[] { 1.5, -0.25, 0.75, 2.0, 0.5, -1.0 }, ScalarType.Float64).reshape(2, 3);
            var y = tensor(new long[] { 0, 2 }, ScalarType.Int64);
            foreach (var dtype in new[] { ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float32 })
            {
                var x = x64.to_type(dtype).requires_grad_(true);
                var l = loss(x, y);
                Assert.Equal(ScalarType.Float32, l.dtype);
                l.backward();
                Assert.Equal(dtype, x.grad!.dtype);
                Assert.True(x.grad!.isfinite().all().item<bool>());
                double reference = loss(x64, y).item<double>();
                Assert.Equal(reference, l.item<float>(), 2);
            }
        }
    }
}
