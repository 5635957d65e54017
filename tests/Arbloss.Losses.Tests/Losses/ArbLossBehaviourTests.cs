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
            var y = tensor(new long[] { 0, 1, 2, 3, 0, 0 });
            foreach (var loss in new[] { new ArbLoss(4), new ArbLoss(Counts) })
            {
                using (loss)
                {
                    var x32 = tensor(values.Select(v => (float)v).ToArray()).reshape(6, 4).requires_grad_(true);
                    var l32 = loss.call(x32, y);
                    l32.backward();
                    var x64 = tensor(values.Select(v => (double)(float)v).ToArray(), ScalarType.Float64).reshape(6, 4).requires_grad_(true);
                    var l64 = loss.call(x64, y);
                    l64.backward();
                    Assert.True(float.IsFinite(l32.item<float>()));
                    Assert.True(x32.grad!.isfinite().all().item<bool>());
                    // Exact in the sense of float32 rounding of the float64 answer: no clamp-induced error.
                    Assert.Equal(l64.item<double>(), l32.item<float>(), Math.Max(1e-3, 1e-6 * Math.Abs(l64.item<double>())));
                    Numerics.AssertClose(x64.grad!.data<double>().ToArray(), x32.grad!.to_type(ScalarType.Float64).data<double>().ToArray(), 1e-4, 1e-5, "gradient");
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

        [Theory]
        [InlineData(ScalarType.Float16)]
        [InlineData(ScalarType.BFloat16)]
        public void HalfPrecisionLogitsAreComputedInFloat32AndGradientKeepsInputDtype(ScalarType dtype)
        {
            var values = new float[] { 1f, -2f, 300f, 0.5f, 60000f / 1000, -1f, 2f, 3f };
            var y = tensor(new long[] { 0, 2 });
            foreach (var loss in new[] { new ArbLoss(4), new ArbLoss(Counts) })
            {
                using (loss)
                {
                    var x = tensor(values).reshape(2, 4).to_type(dtype).requires_grad_(true);
                    var value = loss.call(x, y);
                    Assert.Equal(ScalarType.Float32, value.dtype);
                    value.backward();
                    Assert.Equal(dtype, x.grad!.dtype);
                    Assert.True(x.grad!.isfinite().all().item<bool>());
                    var reference = loss.call(x.detach().to_type(ScalarType.Float32), y);
                    Assert.Equal(reference.item<float>(), value.item<float>(), 5);
                }
            }
        }

        [Fact]
        public void GlobalCountsAreARegisteredBufferThatFollowsTheModule()
        {
            using var loss = new ArbLoss(Counts);
            var names = loss.named_buffers().Select(b => b.name).ToArray();
            Assert.Contains("log_class_counts", names);
            loss.to(CPU);
            var y = tensor(new long[] { 0, 1 });
            Assert.True(float.IsFinite(loss.call(randn(2, 4), y).item<float>()));
            Assert.Equal(Counts, loss.ClassCounts);
            Assert.Equal(CountSource.Global, loss.CountSource);
            using var batch = new ArbLoss(4);
            Assert.Empty(batch.named_buffers());
            Assert.Null(batch.ClassCounts);
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
            Assert.Equal(Functional.arb_loss(x, y, counts).item<double>(), loss.forward(x, y, counts).item<double>(), 12);
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
            double[][] expected = batches.Select(b =>
            {
                using var scope = NewDisposeScope();
                var counts = tensor(Enumerable.Range(0, 6).Select(j => (double)b.Count(t => t == j)).ToArray(), ScalarType.Float64);
                return LossTestKit.Values(nn.functional.cross_entropy(logits + counts.log(), tensor(b), reduction: nn.Reduction.None));
            }).ToArray();

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

        [Fact]
        public void ValidationCanBeSwitchedOffForHotPaths()
        {
            using var loss = new ArbLoss(4) { ValidateTargets = false };
            Assert.False(loss.ValidateTargets);
            Assert.True(float.IsFinite(loss.call(randn(3, 4), tensor(new long[] { 0, 1, 2 })).item<float>()));
        }
    }
}
