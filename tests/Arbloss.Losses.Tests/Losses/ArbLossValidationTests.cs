using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>Bad input gets an ArgumentException naming the argument, never a native error.</summary>
    public class ArbLossValidationTests
    {
        private static readonly long[] Counts = { 10, 5, 0, 2 };

        private static void AssertRejects(string paramName, Action action, string? messagePart = null)
        {
            var e = Assert.ThrowsAny<ArgumentException>(action);
            Assert.Equal(paramName, e.ParamName);
            Assert.DoesNotContain("Exception raised from", e.Message); // no native (c10) error text
            if (messagePart is not null) Assert.Contains(messagePart, e.Message);
        }

        [Fact]
        public void ConstructorArguments()
        {
            Assert.Throws<ArgumentNullException>(() => new ArbLoss((long[])null!));
            AssertRejects("classCounts", () => new ArbLoss(Array.Empty<long>()), "empty");
            AssertRejects("classCounts", () => new ArbLoss(new long[] { 3, -1 }), "non-negative");
            AssertRejects("classCounts", () => new ArbLoss(new long[] { 0, 0 }), "zero");
            Assert.Throws<ArgumentOutOfRangeException>(() => new ArbLoss(0));
        }

        [Fact]
        public void LogitsShapeAndDtype()
        {
            using var loss = new ArbLoss(4);
            var y = tensor(new long[] { 0, 1 });
            // Dense logits are accepted (every position a sample); their targets must then have the spatial shape.
            AssertRejects("target", () => loss.call(randn(2, 4, 1), y), "without its class dimension");
            AssertRejects("input", () => loss.call(randn(8), y), "classes in dimension 1");
            AssertRejects("input", () => loss.call(ones(2, 4, ScalarType.Int64), y), "floating point");
            AssertRejects("input", () => loss.call(randn(2, 5), y), "built for 4");
            AssertRejects("target", () => Functional.arb_loss(randn(2, 4, 3), y));
            AssertRejects("input", () => Functional.arb_loss(randn(8), y));
        }

        [Fact]
        public void TargetShapeDtypeSizeAndRange()
        {
            foreach (var loss in new[] { new ArbLoss(4), new ArbLoss(Counts) })
            {
                using (loss)
                {
                    var x = randn(2, 4);
                    AssertRejects("target", () => loss.call(x, tensor(new long[] { 0, 1, 1 })), "Batch size mismatch");
                    AssertRejects("target", () => loss.call(x, tensor(new[] { 0, 1 })), "int64");
                    AssertRejects("target", () => loss.call(x, tensor(new long[,] { { 0 }, { 1 } })), "vector");
                    AssertRejects("target", () => loss.call(x, tensor(new long[] { 0, 4 })), "[0, 4)");
                    AssertRejects("target", () => loss.call(x, tensor(new long[] { -1, 0 })), "[0, 4)");
                    AssertRejects("target", () => Functional.arb_loss(x, tensor(new long[] { 0, 7 })), "[0, 4)");
                }
            }
        }

        [Fact]
        public void TargetWhoseGlobalCountIsZero()
        {
            using var loss = new ArbLoss(Counts);
            AssertRejects("classCounts", () => loss.call(randn(2, 4), tensor(new long[] { 0, 2 })), "count is 0");
            AssertRejects("classCounts", () => Functional.arb_loss(randn(2, 4), tensor(new long[] { 2, 1 }), tensor(Counts)), "count is 0");
        }

        [Fact]
        public void CountsTensorValues()
        {
            var x = randn(2, 4);
            var y = tensor(new long[] { 0, 1 });
            AssertRejects("classCounts", () => Functional.arb_loss(x, y, tensor(new[] { 1f, float.NaN, 1f, 1f })), "finite");
            AssertRejects("classCounts", () => Functional.arb_loss(x, y, tensor(new[] { 1f, float.PositiveInfinity, 1f, 1f })), "finite");
            AssertRejects("classCounts", () => Functional.arb_loss(x, y, tensor(new[] { 1f, -2f, 1f, 1f })), "non-negative");
            AssertRejects("classCounts", () => Functional.arb_loss(x, y, tensor(new[] { 1f, 2f, 3f })), "one entry per class");
            AssertRejects("classCounts", () => Functional.arb_loss(x, y, tensor(new[] { true, true, true, true })));
        }

        [Fact]
        public void MixupArguments()
        {
            using var loss = new ArbLoss(4);
            var x = randn(2, 4);
            var y = tensor(new long[] { 0, 1 });
            Assert.Throws<ArgumentOutOfRangeException>(() => MixupLoss.Compute(loss, x, y, y, 1.5));
            Assert.Throws<ArgumentOutOfRangeException>(() => MixupLoss.Compute(loss, x, y, y, double.NaN));
            AssertRejects("targetsB", () => MixupLoss.Compute(loss, x, y, tensor(new long[] { 0 }), 0.5));
        }
    }
}
