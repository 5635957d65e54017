using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>
    /// The hand-written forward and backward that ArbLoss uses for large CPU batches, against the composition
    /// <c>cross_entropy(x + log n)</c>: values, gradients, path choice, extreme logits and autograd corner cases.
    /// The random-shape properties in <see cref="ArbLossPropertyTests"/> run on both paths as well.
    /// </summary>
    [Collection("Heap")]
    public class FusedArbLossTests
    {
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct MallInfo2
        {
            public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallInfo2 NativeMallInfo2();

        // Above Functional.FusedMinElements, so the automatic choice is the fused path.
        private const int Batch = 300, Classes = 1000;

        private static (Tensor Logits, Tensor Target, long[] Counts) Problem(ScalarType dtype, double scale = 3.0, int seed = 7)
        {
            var generator = new Generator((ulong)seed);
            var logits = (randn(new long[] { Batch, Classes }, ScalarType.Float64, generator: generator) * scale).to_type(dtype);
            // Targets only from the first 300 classes, so batch counts leave 700 classes absent.
            var target = randint(0, 300, new long[] { Batch }, ScalarType.Int64, generator: generator);
            var counts = Enumerable.Range(0, Classes).Select(j => (long)Math.Max(1, 1000 * Math.Pow(0.01, j / (double)(Classes - 1)))).ToArray();
            return (logits, target, counts);
        }

        private static ArbLoss Loss(CountSource mode, long[] counts, nn.Reduction reduction, Functional.CorePath path)
        {
            var loss = mode == CountSource.Batch ? new ArbLoss(Classes, reduction) : new ArbLoss(counts, reduction);
            loss.Path = path;
            return loss;
        }

        private static (double[] Loss, double[] Grad) Run(ArbLoss loss, Tensor logits, Tensor target)
        {
            using var scope = NewDisposeScope();
            var x = logits.detach().clone().requires_grad_(true);
            var value = loss.call(x, target);
            value.sum().backward();
            return (LossTestKit.Values(value), LossTestKit.Values(x.grad!));
        }

        [Fact]
        public void AutomaticChoiceIsFusedForLargeCpuBatchesThatNeedGradients()
        {
            using var scope = NewDisposeScope();
            var large = zeros(Batch, Classes).requires_grad_(true);
            Assert.True(Batch * Classes >= Functional.FusedMinElements);
            Assert.Equal(Functional.CorePath.Fused, Functional.ChoosePath(large));
            Assert.Equal(Functional.CorePath.Composed, Functional.ChoosePath(zeros(Batch, Classes)));
            Assert.Equal(Functional.CorePath.Composed, Functional.ChoosePath(zeros(128, 10).requires_grad_(true)));
            using (no_grad())
                Assert.Equal(Functional.CorePath.Composed, Functional.ChoosePath(large));
        }

        [Theory]
        [InlineData(CountSource.Batch, nn.Reduction.Mean)]
        [InlineData(CountSource.Batch, nn.Reduction.Sum)]
        [InlineData(CountSource.Batch, nn.Reduction.None)]
        [InlineData(CountSource.Global, nn.Reduction.Mean)]
        [InlineData(CountSource.Global, nn.Reduction.Sum)]
        [InlineData(CountSource.Global, nn.Reduction.None)]
        public void FusedEqualsComposedInFloat64(CountSource mode, nn.Reduction reduction)
        {
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float64);
            using var fused = Loss(mode, counts, reduction, Functional.CorePath.Auto);
            using var composed = Loss(mode, counts, reduction, Functional.CorePath.Composed);
            var (fusedLoss, fusedGrad) = Run(fused, logits, target);
            var (composedLoss, composedGrad) = Run(composed, logits, target);
            Numerics.AssertClose(composedLoss, fusedLoss, 1e-12, 1e-13, "loss");
            Numerics.AssertClose(composedGrad, fusedGrad, 1e-10, 1e-15, "gradient");
            if (mode == CountSource.Batch)
            {
                // Classes absent from the batch get exactly zero gradient.
                var g = fusedGrad;
                for (int s = 0; s < Batch; s++)
                    for (int j = 300; j < Classes; j++)
                        Assert.Equal(0.0, g[s * Classes + j]);
            }
        }

        [Theory]
        [InlineData(CountSource.Batch)]
        [InlineData(CountSource.Global)]
        public void FusedEqualsComposedInFloat32(CountSource mode)
        {
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float32);
            using var fused = Loss(mode, counts, nn.Reduction.Mean, Functional.CorePath.Auto);
            using var composed = Loss(mode, counts, nn.Reduction.Mean, Functional.CorePath.Composed);
            var (fusedLoss, fusedGrad) = Run(fused, logits, target);
            var (composedLoss, composedGrad) = Run(composed, logits, target);
            Numerics.AssertClose(composedLoss, fusedLoss, 1e-5, 1e-6, "loss");
            Numerics.AssertClose(composedGrad, fusedGrad, 1e-4, 1e-8, "gradient");
        }

        [Fact]
        public void LogitsOfMagnitude1e4GiveTheExactFiniteLossInFloat32()
        {
            // p_y underflows to 0 in float32 for most rows here; those rows are recomputed from log_softmax.
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float32, scale: 1e4);
            using var fused = Loss(CountSource.Global, counts, nn.Reduction.None, Functional.CorePath.Fused);
            var (loss, grad) = Run(fused, logits, target);
            Assert.All(loss, v => Assert.True(double.IsFinite(v)));
            Assert.All(grad, v => Assert.True(double.IsFinite(v)));

            var x64 = logits.to_type(ScalarType.Float64);
            var logN = tensor(counts.Select(c => Math.Log(c)).ToArray(), ScalarType.Float64);
            var expected = LossTestKit.Values(nn.functional.cross_entropy(x64 + logN, target, reduction: nn.Reduction.None));
            Assert.Contains(expected, v => v > 1000);
            Numerics.AssertClose(expected, loss, 1e-6, 1e-3, "per-sample loss at logits of magnitude 1e4");
        }

        [Fact]
        public void SecondBackwardThroughARetainedGraphGivesTheSameGradient()
        {
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float64);
            using var loss = Loss(CountSource.Global, counts, nn.Reduction.Mean, Functional.CorePath.Fused);
            var x = logits.detach().clone().requires_grad_(true);
            var value = loss.call(x, target);
            value.backward(retain_graph: true);
            var first = LossTestKit.Values(x.grad!);
            value.backward();
            var twice = LossTestKit.Values(x.grad!);
            Numerics.AssertClose(first.Select(v => 2 * v).ToArray(), twice, 1e-12, 1e-15, "x.grad after two backward calls");
        }

        [Fact]
        public void CreateGraphGivesExactSecondOrderGradients()
        {
            // d/dx of sum(grad_x(L)^2) through the fused node equals the composition's.
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float64, scale: 1.0);
            double[] SecondOrder(Functional.CorePath path)
            {
                using var inner = NewDisposeScope();
                using var loss = Loss(CountSource.Batch, counts, nn.Reduction.Mean, path);
                var x = logits.detach().clone().requires_grad_(true);
                var value = loss.call(x, target);
                var grad = autograd.grad(new[] { value }, new[] { x }, retain_graph: true, create_graph: true)[0];
                var penalty = grad.pow(2).sum();
                var second = autograd.grad(new[] { penalty }, new[] { x })[0];
                return LossTestKit.Values(second);
            }
            var composed = SecondOrder(Functional.CorePath.Composed);
            var fused = SecondOrder(Functional.CorePath.Fused);
            Assert.Contains(composed, v => Math.Abs(v) > 1e-9);
            Numerics.AssertClose(composed, fused, 1e-9, 1e-15, "second-order gradient");
        }

        [Fact]
        public void LossMovedOutOfItsDisposeScopeStillBackpropagates()
        {
            var (logits, target, counts) = Problem(ScalarType.Float64);
            using var loss = Loss(CountSource.Batch, counts, nn.Reduction.Mean, Functional.CorePath.Fused);
            using var x = logits.detach().clone().requires_grad_(true);
            Tensor value;
            using (var inner = NewDisposeScope())
                value = loss.call(x, target).MoveToOuterDisposeScope();
            using (value)
                value.backward();
            using var composed = Loss(CountSource.Batch, counts, nn.Reduction.Mean, Functional.CorePath.Composed);
            var (_, expected) = Run(composed, logits, target);
            Numerics.AssertClose(expected, LossTestKit.Values(x.grad!), 1e-12, 1e-15, "gradient");
        }

        [Fact]
        public void WithoutGradientsTheValueIsTheSame()
        {
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(ScalarType.Float64);
            using var fused = Loss(CountSource.Global, counts, nn.Reduction.None, Functional.CorePath.Fused);
            using var composed = Loss(CountSource.Global, counts, nn.Reduction.None, Functional.CorePath.Composed);
            Numerics.AssertClose(LossTestKit.Values(composed.call(logits, target)), LossTestKit.Values(fused.call(logits, target)), 1e-12, 1e-13, "loss");
        }

        [Theory]
        [InlineData(ScalarType.Float16)]
        [InlineData(ScalarType.BFloat16)]
        public void HalfPrecisionLogitsTakeTheFusedPathInFloat32(ScalarType dtype)
        {
            using var scope = NewDisposeScope();
            var (logits, target, counts) = Problem(dtype, scale: 1.0);
            using var loss = Loss(CountSource.Batch, counts, nn.Reduction.Mean, Functional.CorePath.Auto);
            var x = logits.detach().clone().requires_grad_(true);
            var value = loss.call(x, target);
            Assert.Equal(ScalarType.Float32, value.dtype);
            value.backward();
            Assert.Equal(dtype, x.grad!.dtype);
            using var composed = Loss(CountSource.Batch, counts, nn.Reduction.Mean, Functional.CorePath.Composed);
            var (expectedLoss, expectedGrad) = Run(composed, logits.to_type(ScalarType.Float32), target);
            Numerics.AssertClose(expectedLoss, LossTestKit.Values(value), 1e-5, 1e-6, "loss");
            Numerics.AssertClose(expectedGrad, LossTestKit.Values(x.grad!), 2e-2, 1e-5, "gradient (half precision)");
        }

        [Fact]
        public void ManyStepsWithoutDisposeScopesKeepWorking()
        {
            // The fused node hands its gradient storage to autograd; nothing may be released too early or pile up.
            var (logits, target, counts) = Problem(ScalarType.Float32);
            using var loss = Loss(CountSource.Batch, counts, nn.Reduction.Mean, Functional.CorePath.Fused);
            using var x = logits.detach().clone().requires_grad_(true);
            double? first = null;
            for (int step = 0; step < 20; step++)
            {
                using var value = loss.call(x, target);
                value.backward();
                using var norm = x.grad!.norm();
                double n = norm.item<float>();
                first ??= n;
                Assert.Equal(first.Value * (step + 1), n, 3);
            }
        }

        /// <summary>
        /// Steps on a fresh leaf each (x = logits.clone().requires_grad_(true)) must not grow glibc's heap. A native
        /// object left to the finalizer per call (a TorchSharp Scalar from a number passed as a Scalar) sits between a
        /// step's buffers and keeps their memory from being reused: the heap then grew by about one [B, C] buffer per
        /// step and each step ran on fresh pages (the fresh-leaf collapse, benchmarks/README.md). Linux/glibc only;
        /// in a collection of its own so no other test allocates meanwhile.
        /// </summary>
        [Fact]
        public void FreshLeafStepsDoNotGrowTheHeap()
        {
            if (!OperatingSystem.IsLinux()) return;
            Func<long> arena;
            try
            {
                NativeMallInfo2();
                arena = () => (long)NativeMallInfo2().Arena;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return; // not glibc
            }
            const int B = 256, C = 4096, Steps = 80;
            var counts = Enumerable.Range(0, C).Select(j => 1L + j % 97).ToArray();
            using var loss = new ArbLoss(counts) { Path = Functional.CorePath.Fused };
            using var logits = randn(B, C);
            using var target = randint(0, C, new long[] { B }, ScalarType.Int64);
            void Step()
            {
                using var scope = NewDisposeScope();
                var x = logits.clone().requires_grad_(true);
                loss.call(x, target).backward();
            }
            for (int i = 0; i < 5; i++) Step();
            long before = arena();
            for (int i = 0; i < Steps; i++) Step();
            double grownBuffers = (arena() - before) / (B * C * 4.0);
            Assert.True(grownBuffers < 0.15 * Steps, $"the heap grew by {grownBuffers:F1} [B, C] buffers in {Steps} steps");
        }
    }

    /// <summary>Tests that measure the process's heap run alone.</summary>
    [CollectionDefinition("Heap", DisableParallelization = true)]
    public sealed class HeapCollection
    {
    }
}
