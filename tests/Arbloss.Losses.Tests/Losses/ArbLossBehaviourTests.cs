using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>Edge cases, precision, validation and module plumbing of ArbLoss.</summary>
    public class ArbLossBehaviourTests
    {
        private static readonly long[] Counts = { 100, 30, 10, 3 };
        private static readonly long[] CountsWithAnEmptyClass = { 100, 30, 0, 3 };

        [Theory]
        [InlineData(nn.Reduction.Mean)]
        [InlineData(nn.Reduction.Sum)]
        public void EmptyBatchGivesZeroAndZeroGradient(nn.Reduction reduction)
        {
            foreach (var loss in new[] { new ArbLoss(4, reduction), new ArbLoss(Counts, reduction) })
            {
                using (loss)
                {
                    var x = zeros(0, 4).requires_grad_(true);
                    var value = loss.call(x, zeros(0, ScalarType.Int64));
                    Assert.Equal(0, value.dim());
                    Assert.Equal(0f, value.item<float>());
                    value.backward();
                    Assert.Equal(new long[] { 0, 4 }, x.grad!.shape);
                }
            }
        }

        [Fact]
        public void EmptyBatchWithNoReductionGivesEmptyVector()
        {
            using var loss = new ArbLoss(Counts, nn.Reduction.None);
            var value = loss.call(zeros(0, 4), zeros(0, ScalarType.Int64));
            Assert.Equal(new long[] { 0 }, value.shape);
            var functional = Functional.arb_loss(zeros(0, 4), zeros(0, ScalarType.Int64), reduction: nn.Reduction.None);
            Assert.Equal(new long[] { 0 }, functional.shape);
        }

        [Theory]
        [InlineData(1e2)]
        [InlineData(1e3)]
        [InlineData(1e4)]
        public void HugeFloat32LogitsGiveFiniteExactLossAndGradient(double magnitude)
        {
            var rng = new Random(7);
            var values = Enumerable.Range(0, 6 * 4).Select(_ => magnitude * (2 * rng.NextDouble() - 1)).ToArray();
            var rounded = values.Select(v => (double)(float)v).ToArray();
            var target = new long[] { 0, 1, 2, 3, 0, 0 };
            var y = tensor(target);
            foreach (var (loss, counts) in new[] { (new ArbLoss(4), HostReference.BatchCounts(target, 4)), (new ArbLoss(Counts), Counts.Select(c => (double)c).ToArray()) })
            {
                using (loss)
                {
                    var x32 = tensor(values.Select(v => (float)v).ToArray()).reshape(6, 4).requires_grad_(true);
                    var l32 = loss.call(x32, y);
                    l32.backward();
                    Assert.True(float.IsFinite(l32.item<float>()));
                    Assert.True(x32.grad!.isfinite().all().item<bool>());
                    // Exact in the sense of float32 rounding of the answer in doubles: no clamp-induced error.
                    double expected = HostReference.Arb(rounded, 6, 4, target, counts).Average();
                    Assert.Equal(expected, l32.item<float>(), Math.Max(1e-3, 1e-6 * Math.Abs(expected)));
                    var expectedGrad = HostReference.ArbGradient(rounded, 6, 4, target, counts, HostReference.RowWeights(6, nn.Reduction.Mean));
                    Numerics.AssertClose(expectedGrad, LossTestKit.Values(x32.grad!), 1e-4, 1e-5, "gradient");
                }
            }
        }

        [Fact]
        public void ClampFreeGradientBeyondThirty()
        {
            // The authors' clamp to [-30, 30] kills this gradient; the exact loss keeps it.
            using var loss = new ArbLoss(2);
            var x = tensor(new[] { 40f, 50f }).reshape(1, 2).requires_grad_(true);
            var y = tensor(new long[] { 0 });
            loss.call(x, y).backward();
            Assert.True(x.grad!.abs().sum().item<float>() == 0f); // only class 0 present: class 1 drops out
            using var global = new ArbLoss(new long[] { 10, 10 });
            var x2 = tensor(new[] { 40f, 50f }).reshape(1, 2).requires_grad_(true);
            global.call(x2, y).backward();
            Assert.Equal(-1.0, x2.grad![0, 0].item<float>(), 4);
            Assert.Equal(1.0, x2.grad![0, 1].item<float>(), 4);
        }

        /// <summary>
        /// Half-precision logits: the loss is float32 and the gradient comes back in the logits' dtype; both are compared
        /// with the definition in doubles at the half-rounded logits (so the only error left is float32 arithmetic for the
        /// loss and one rounding to half for the gradient), on both paths.
        /// </summary>
        [Theory]
        [InlineData(ScalarType.Float16)]
        [InlineData(ScalarType.BFloat16)]
        public void HalfPrecisionLogitsAreComputedInFloat32AndGradientKeepsInputDtype(ScalarType dtype)
        {
            var values = new float[] { 1f, -2f, 300f, 0.5f, 60f, -1f, 2f, 3f, 0.25f, -0.75f, 1.5f, 2.5f };
            var target = new long[] { 0, 2, 3 };
            var y = tensor(target);
            var x0 = tensor(values).reshape(3, 4).to_type(dtype);
            var rounded = LossTestKit.Values(x0);
            foreach (var path in new[] { Functional.CorePath.Composed, Functional.CorePath.Fused })
            {
                foreach (var (loss, counts) in new[] { (new ArbLoss(4), HostReference.BatchCounts(target, 4)), (new ArbLoss(Counts), Counts.Select(c => (double)c).ToArray()) })
                {
                    using (loss)
                    {
                        loss.Path = path;
                        var x = x0.detach().clone().requires_grad_(true);
                        var value = loss.call(x, y);
                        Assert.Equal(ScalarType.Float32, value.dtype);
                        value.backward();
                        Assert.Equal(dtype, x.grad!.dtype);
                        double expected = HostReference.Arb(rounded, 3, 4, target, counts).Average();
                        Assert.Equal(expected, value.item<float>(), 1e-5 * Math.Abs(expected) + 1e-6);
                        // One rounding to half (bfloat16: 8 significant bits) of a gradient of magnitude <= 1/B.
                        double halfEps = dtype == ScalarType.Float16 ? 1e-3 : 8e-3;
                        var expectedGrad = HostReference.ArbGradient(rounded, 3, 4, target, counts, HostReference.RowWeights(3, nn.Reduction.Mean));
                        Numerics.AssertClose(expectedGrad, LossTestKit.Values(x.grad!), halfEps, 1e-6, $"{dtype} {path} {loss.CountSource} gradient");
                    }
                }
            }
        }

        /// <summary>
        /// create_graph with half-precision logits gives second-order gradients on both paths: d/dx sum(grad_x L)^2
        /// against central finite differences, in doubles, of the same penalty built from the host gradient formula.
        /// </summary>
        [Theory]
        [InlineData(ScalarType.Float16, CountSource.Batch)]
        [InlineData(ScalarType.Float16, CountSource.Global)]
        [InlineData(ScalarType.BFloat16, CountSource.Batch)]
        [InlineData(ScalarType.BFloat16, CountSource.Global)]
        public void CreateGraphGivesSecondOrderGradientsInHalfPrecision(ScalarType dtype, CountSource mode)
        {
            const int B = 5, C = 4;
            var generator = new Generator(11);
            var x0 = randn(new long[] { B, C }, ScalarType.Float32, generator: generator).to_type(dtype);
            var target = new long[] { 0, 1, 1, 3, 0 };
            var rounded = LossTestKit.Values(x0);
            var counts = mode == CountSource.Batch ? HostReference.BatchCounts(target, C) : Counts.Select(c => (double)c).ToArray();
            var weights = HostReference.RowWeights(B, nn.Reduction.Mean);
            double Penalty(double[] z) => HostReference.ArbGradient(z, B, C, target, counts, weights).Sum(g => g * g);
            var expected = new double[B * C];
            const double h = 1e-5;
            for (int k = 0; k < expected.Length; k++)
            {
                var plus = (double[])rounded.Clone();
                var minus = (double[])rounded.Clone();
                plus[k] += h;
                minus[k] -= h;
                expected[k] = (Penalty(plus) - Penalty(minus)) / (2 * h);
            }
            Assert.Contains(expected, v => Math.Abs(v) > 1e-3);
            double scale = expected.Max(Math.Abs);

            foreach (var path in new[] { Functional.CorePath.Composed, Functional.CorePath.Fused })
            {
                using var scope = NewDisposeScope();
                using var loss = mode == CountSource.Batch ? new ArbLoss(C) : new ArbLoss(Counts);
                loss.Path = path;
                var x = x0.detach().clone().requires_grad_(true);
                var value = loss.call(x, tensor(target));
                var grad = autograd.grad(new[] { value }, new[] { x }, retain_graph: true, create_graph: true)[0];
                Assert.True(grad.requires_grad, $"{dtype} {mode} {path}: the first-order gradient is not differentiable");
                var penalty = grad.to_type(ScalarType.Float32).pow(2).sum();
                var second = autograd.grad(new[] { penalty }, new[] { x })[0];
                Assert.Equal(dtype, second.dtype);
                // Half precision: about 3 significant digits (bfloat16: 2) on the first-order gradient and its square.
                double rel = dtype == ScalarType.Float16 ? 2e-2 : 6e-2;
                Numerics.AssertClose(expected, LossTestKit.Values(second), rel, rel * scale, $"{dtype} {mode} {path} second-order gradient");
            }
        }

        /// <summary>
        /// The global counts are registered buffers, so module moves reach them: after <c>loss.to(float64)</c> both are
        /// float64 and after <c>loss.to(float32)</c> float32 again, and the loss of float32 logits stays float32 and
        /// equal to the definition throughout (the computation follows the logits, not the module's dtype).
        /// </summary>
        [Fact]
        public void GlobalCountsAreARegisteredBufferThatFollowsTheModule()
        {
            using var loss = new ArbLoss(Counts);
            var buffers = loss.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            Assert.Equal(new[] { "class_counts", "log_class_counts", "log_class_counts_f32" }, buffers.Keys.OrderBy(k => k).ToArray());
            var values = new float[] { 0.5f, -1f, 2f, 0.25f, 1f, 1.5f, -0.5f, 3f };
            var target = new long[] { 0, 3 };
            var x = tensor(values).reshape(2, 4);
            double expected = HostReference.Arb(values.Select(v => (double)v).ToArray(), 2, 4, target, Counts.Select(c => (double)c).ToArray()).Average();

            void AssertBuffersAndValue(ScalarType bufferType)
            {
                Assert.All(loss.named_buffers(), b => Assert.Equal(bufferType, b.buffer.dtype));
                var value = loss.call(x, tensor(target));
                Assert.Equal(ScalarType.Float32, value.dtype);
                Assert.Equal(expected, value.item<float>(), 1e-6);
                var value64 = loss.call(x.to_type(ScalarType.Float64), tensor(target));
                Assert.Equal(ScalarType.Float64, value64.dtype);
                Assert.Equal(expected, value64.item<double>(), bufferType == ScalarType.Float64 ? 1e-12 : 1e-6);
            }

            Assert.Equal(ScalarType.Float64, buffers["log_class_counts"].dtype);
            Assert.Equal(ScalarType.Float32, buffers["log_class_counts_f32"].dtype);
            loss.to(ScalarType.Float64);
            AssertBuffersAndValue(ScalarType.Float64);
            loss.to(ScalarType.Float32);
            AssertBuffersAndValue(ScalarType.Float32);

            Assert.Equal(Counts, loss.ClassCounts);
            Assert.Equal(CountSource.Global, loss.CountSource);
            using var batch = new ArbLoss(4);
            Assert.Empty(batch.named_buffers());
            Assert.Null(batch.ClassCounts);
        }

        /// <summary>A module on another device than the logits is an ArgumentException that says how to move it.</summary>
        [Fact]
        public void GlobalCountsOnAnotherDeviceThanTheLogitsAreRejected()
        {
            using var loss = new ArbLoss(Counts);
            loss.to(new Device(DeviceType.META));
            Assert.All(loss.named_buffers(), b => Assert.Equal(DeviceType.META, b.buffer.device_type));
            var e = Assert.Throws<ArgumentException>(() => loss.call(randn(2, 4), tensor(new long[] { 0, 1 })));
            Assert.Equal("input", e.ParamName);
            Assert.Contains("loss.to(cpu", e.Message);
        }

        [Fact]
        public void NoneReductionGivesPerSampleLossesThatSumToSumReduction()
        {
            var x = randn(5, 4, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1, 1, 3, 0 });
            using var none = new ArbLoss(4, nn.Reduction.None);
            using var sum = new ArbLoss(4, nn.Reduction.Sum);
            using var mean = new ArbLoss(4);
            var perSample = none.call(x, y);
            Assert.Equal(new long[] { 5 }, perSample.shape);
            Assert.Equal(sum.call(x, y).item<double>(), perSample.sum().item<double>(), 12);
            Assert.Equal(mean.call(x, y).item<double>(), perSample.mean().item<double>(), 12);
        }

        [Fact]
        public void ExplicitCountsOverloadMatchesFunctional()
        {
            var x = randn(6, 4, ScalarType.Float64);
            var y = tensor(new long[] { 0, 1, 1, 3, 0, 2 });
            var counts = tensor(new double[] { 5, 1, 2, 9 }, ScalarType.Float64);
            using var loss = new ArbLoss(4);
            double expected = HostReference.Arb(LossTestKit.Values(x), 6, 4, new long[] { 0, 1, 1, 3, 0, 2 }, new double[] { 5, 1, 2, 9 }).Average();
            Assert.Equal(expected, loss.forward(x, y, counts).item<double>(), 12);
            Assert.Equal(expected, Functional.arb_loss(x, y, counts).item<double>(), 12);
        }

        [Fact]
        public void ModuleBuiltInsideADisposeScopeOutlivesIt()
        {
            ArbLoss loss;
            using (NewDisposeScope()) loss = new ArbLoss(new long[] { 5, 3, 1 });
            using (loss)
                Assert.True(float.IsFinite(loss.call(randn(2, 3), tensor(new long[] { 0, 2 })).item<float>()));
        }

        [Fact]
        public void NonContiguousTargetsAreReadCorrectly()
        {
            var x = randn(3, 4, ScalarType.Float64);
            var strided = tensor(new long[] { 0, 3, 2, 3, 2, 3 }).slice(0, 0, 6, 2); // [0, 2, 2], not contiguous
            Assert.False(strided.is_contiguous());
            var plain = tensor(new long[] { 0, 2, 2 });
            foreach (var loss in new[] { new ArbLoss(4), new ArbLoss(Counts) })
            {
                using (loss)
                    Assert.Equal(loss.call(x, plain).item<double>(), loss.call(x, strided).item<double>(), 12);
            }
            var bad = tensor(new long[] { 0, 3, 7, 3, 2, 3 }).slice(0, 0, 6, 2); // [0, 7, 2]
            using var batch = new ArbLoss(4);
            Assert.Throws<ArgumentException>(() => batch.call(x, bad));
        }

        [Fact]
        public void OneBatchCountModuleSharedByTwoThreadsGivesEachThreadItsOwnCounts()
        {
            // The module reuses one scratch vector for the batch log counts; concurrent calls must not see each other's.
            using var loss = new ArbLoss(6, nn.Reduction.None);
            var batches = new[] { new long[] { 0, 0, 0, 1, 2, 5 }, new long[] { 5, 4, 4, 3, 3, 3 } };
            var logits = randn(new long[] { 6, 6 }, ScalarType.Float64, generator: new Generator(3)).DetachFromDisposeScope();
            var host = LossTestKit.Values(logits);
            double[][] expected = batches.Select(b => HostReference.Arb(host, 6, 6, b, HostReference.BatchCounts(b, 6))).ToArray();

            var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var threads = Enumerable.Range(0, 2).Select(k => new System.Threading.Thread(() =>
            {
                for (int i = 0; i < 300; i++)
                {
                    using var scope = NewDisposeScope();
                    var actual = LossTestKit.Values(loss.call(logits, tensor(batches[k])));
                    if (!actual.Zip(expected[k], (a, e) => Math.Abs(a - e) <= 1e-12 * (1 + Math.Abs(e))).All(ok => ok))
                        errors.Enqueue($"thread {k} call {i}: [{string.Join(", ", actual)}]");
                }
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            logits.Dispose();
            Assert.Empty(errors);
        }

        /// <summary>
        /// What ValidateTargets = false changes on the CPU. On valid input: nothing, the value is bit for bit the
        /// validated one (and the definition's). Batch counts: CPU targets are counted on the host, which checks their
        /// range anyway, so an out-of-range target is still an ArgumentException. Global counts: the checks are
        /// skipped, so an out-of-range target reaches libtorch, which rejects it with its own managed exception (no
        /// native crash), on both paths; a target whose class has count 0 gives an infinite loss.
        /// </summary>
        [Fact]
        public void ValidationCanBeSwitchedOffForHotPaths()
        {
            var values = new double[] { 0.5, -1, 2, 0.25, 1, 1.5, -0.5, 3, 0, 0.125, -2, 1 };
            var x = tensor(values, ScalarType.Float64).reshape(3, 4);
            var valid = new long[] { 0, 1, 3 };
            foreach (var path in new[] { Functional.CorePath.Composed, Functional.CorePath.Fused })
            {
                foreach (var make in new Func<ArbLoss>[] { () => new ArbLoss(4), () => new ArbLoss(CountsWithAnEmptyClass) })
                {
                    using var on = make();
                    using var off = make();
                    on.Path = off.Path = path;
                    off.ValidateTargets = false;
                    Assert.False(off.ValidateTargets);
                    double expected = HostReference.Arb(values, 3, 4, valid, on.CountSource == CountSource.Batch ? HostReference.BatchCounts(valid, 4) : CountsWithAnEmptyClass.Select(c => (double)c).ToArray()).Average();
                    double validated = on.call(x, tensor(valid)).item<double>();
                    Assert.Equal(validated, off.call(x, tensor(valid)).item<double>());
                    Assert.Equal(expected, validated, 1e-12);

                    var outOfRange = tensor(new long[] { 0, 4, 1 });
                    if (on.CountSource == CountSource.Batch)
                    {
                        var e = Assert.Throws<ArgumentException>(() => off.call(x, outOfRange));
                        Assert.Equal("target", e.ParamName);
                    }
                    else
                    {
                        Assert.Throws<ArgumentException>(() => on.call(x, outOfRange));
                        var e = Assert.ThrowsAny<Exception>(() => off.call(x, outOfRange).item<double>());
                        Assert.IsNotType<ArgumentException>(e);
                        Assert.Throws<ArgumentException>(() => on.call(x, tensor(new long[] { 0, 2, 1 })));
                        Assert.Equal(double.PositiveInfinity, off.call(x, tensor(new long[] { 0, 2, 1 })).item<double>());
                    }
                }
                // The functional form: validate: false with an out-of-range target is libtorch's exception, not a crash.
                Assert.ThrowsAny<Exception>(() => Functional.ArbLossChecked(x, tensor(new long[] { 0, 4, 1 }), null, nn.Reduction.Mean, false, path).item<double>());
                Assert.ThrowsAny<Exception>(() => Functional.ArbLossChecked(x, tensor(new long[] { 0, -1, 1 }), tensor(CountsWithAnEmptyClass), nn.Reduction.Mean, false, path).item<double>());
            }
        }
    }
}
