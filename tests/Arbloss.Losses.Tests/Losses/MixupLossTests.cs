using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    public class MixupLossTests
    {
        [Theory]
        [InlineData(0.0)]
        [InlineData(0.3)]
        [InlineData(1.0)]
        public void MatchesWeightedSumForAnyModule(double lambda)
        {
            var x = randn(6, 5, ScalarType.Float64);
            var ya = tensor(new long[] { 0, 1, 2, 3, 4, 0 });
            var yb = tensor(new long[] { 4, 0, 0, 1, 2, 3 });
            using var ce = nn.CrossEntropyLoss();
            var expected = lambda * ce.call(x, ya).item<double>() + (1 - lambda) * ce.call(x, yb).item<double>();
            Assert.Equal(expected, MixupLoss.Compute(ce, x, ya, yb, lambda).item<double>(), 12);
        }

        [Fact]
        public void BatchCountArbUsesTheUnmixedTargetsCounts()
        {
            var x = randn(6, 5, ScalarType.Float64);
            var ya = tensor(new long[] { 0, 0, 0, 1, 2, 2 });
            // yB deliberately not a permutation of yA: its own counts would differ.
            var yb = tensor(new long[] { 1, 1, 1, 1, 1, 0 });
            var countsA = tensor(new double[] { 3, 1, 2, 0, 0 }, ScalarType.Float64);
            const double lambda = 0.7;
            using var arb = new ArbLoss(5);
            var expected = lambda * Functional.arb_loss(x, ya, countsA).item<double>() + (1 - lambda) * Functional.arb_loss(x, yb, countsA).item<double>();
            Assert.Equal(expected, MixupLoss.Compute(arb, x, ya, yb, lambda).item<double>(), 12);
            // Gradient flows.
            var xg = x.clone().requires_grad_(true);
            MixupLoss.Compute(arb, xg, ya, yb, lambda).backward();
            Assert.True(xg.grad!.abs().sum().item<double>() > 0);
        }
    }
}
