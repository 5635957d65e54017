using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// A random ArbLoss problem: shapes, logits, targets, counts, mode, reduction and computation path (the composed
    /// <c>cross_entropy(x + log n)</c> or the hand-written forward and backward), generated from a seed.
    /// </summary>
    public sealed record ArbLossProblem(int Batch, int Classes, CountSource Mode, nn.Reduction Reduction, double[] Logits, long[] Target, long[] GlobalCounts)
    {
        /// <summary>The path the loss is forced onto; both are generated.</summary>
        internal Functional.CorePath Path { get; init; } = Functional.CorePath.Composed;

        public static Arbitrary<ArbLossProblem> Arbitrary() =>
            (from b in Gen.Choose(1, 12)
             from c in Gen.Choose(1, 8)
             from mode in Gen.Elements(CountSource.Batch, CountSource.Global)
             from reduction in Gen.Elements(nn.Reduction.Mean, nn.Reduction.Sum, nn.Reduction.None)
             from fused in Gen.Elements(false, true)
             from seed in Gen.Choose(0, int.MaxValue - 1)
             select Create(b, c, mode, reduction, seed) with { Path = fused ? Functional.CorePath.Fused : Functional.CorePath.Composed }).ToArbitrary();

        public static ArbLossProblem Create(int b, int c, CountSource mode, nn.Reduction reduction, int seed)
        {
            var rng = new Random(seed);
            double scale = new[] { 0.5, 3.0, 10.0 }[rng.Next(3)];
            var logits = Enumerable.Range(0, b * c).Select(_ => scale * Normal(rng)).ToArray();
            var target = Enumerable.Range(0, b).Select(_ => (long)rng.Next(c)).ToArray();
            // Global counts: positive for every target; other classes sometimes 0 (they drop out).
            var counts = Enumerable.Range(0, c).Select(j => target.Contains(j) ? 1L + rng.Next(1000) : rng.Next(3) == 0 ? 0L : 1L + rng.Next(1000)).ToArray();
            return new ArbLossProblem(b, c, mode, reduction, logits, target, counts);
        }

        private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

        public ArbLoss CreateLoss()
        {
            var loss = Mode == CountSource.Batch ? new ArbLoss(Classes, Reduction) : new ArbLoss(GlobalCounts, Reduction);
            loss.Path = Path;
            return loss;
        }

        /// <summary>The scalar objective used for gradients: the loss, summed when the reduction is None.</summary>
        public double Objective(double[] logits)
        {
            using var scope = NewDisposeScope();
            using var loss = CreateLoss();
            var output = loss.call(tensor(logits, ScalarType.Float64).reshape(Batch, Classes), tensor(Target));
            return output.sum().item<double>();
        }

        /// <summary>Autograd gradient of <see cref="Objective"/> at <see cref="Logits"/>, row-major.</summary>
        public double[] Gradient()
        {
            using var scope = NewDisposeScope();
            using var loss = CreateLoss();
            var x = tensor(Logits, ScalarType.Float64).reshape(Batch, Classes).requires_grad_(true);
            loss.call(x, tensor(Target)).sum().backward();
            return x.grad!.data<double>().ToArray();
        }

        public long[] BatchCounts() => Enumerable.Range(0, Classes).Select(j => (long)Target.Count(t => t == j)).ToArray();

        /// <summary>The counts the mode uses, as doubles: the batch's or the global ones.</summary>
        public double[] ModeCounts() =>
            Mode == CountSource.Batch ? HostReference.BatchCounts(Target, Classes) : GlobalCounts.Select(c => (double)c).ToArray();

        /// <summary>The expected output (a scalar for Mean and Sum, [B] for None) from the host reference in doubles.</summary>
        public double[] HostLoss() => HostReference.Reduce(HostReference.Arb(Logits, Batch, Classes, Target, ModeCounts()), Reduction);

        /// <summary>The expected gradient of <see cref="Objective"/> from the host reference in doubles, row-major.</summary>
        public double[] HostGradient() =>
            HostReference.ArbGradient(Logits, Batch, Classes, Target, ModeCounts(), HostReference.RowWeights(Batch, Reduction));

        public override string ToString() =>
            $"B={Batch} C={Classes} mode={Mode} reduction={Reduction} path={Path} target=[{string.Join(",", Target)}] counts=[{string.Join(",", GlobalCounts)}]";
    }
}
