using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>Module conventions shared by the comparison losses: registered buffers, lifetime, dtype conversion.</summary>
    public class LossModuleTests
    {
        private static readonly long[] Counts = { 50, 20, 0, 5 };

        public static IEnumerable<object[]> Modules()
        {
            yield return new object[] { "logit_adjusted", new[] { "logit_adjustment" } };
            yield return new object[] { "ldam", new[] { "margins", "class_weights" } };
            yield return new object[] { "focal", new[] { "class_weights" } };
            yield return new object[] { "class_balanced", new[] { "class_weights" } };
            yield return new object[] { "label_aware_smoothing", new[] { "smoothing" } };
        }

        private static Loss<Tensor, Tensor, Tensor> Create(string name) => name switch
        {
            "logit_adjusted" => new LogitAdjustedLoss(Counts),
            "ldam" => new LdamLoss(Counts),
            "focal" => new FocalLoss(2, new double[] { 1, 2, 0.5, 1 }),
            "class_balanced" => new ClassBalancedLoss(Counts, 0.99, ClassBalancedBase.Focal),
            _ => new LabelAwareSmoothingLoss(Counts),
        };

        [Theory]
        [MemberData(nameof(Modules))]
        public void PerClassConstantsAreRegisteredBuffersThatOutliveTheCreatingScope(string name, string[] buffers)
        {
            Loss<Tensor, Tensor, Tensor> loss;
            using (NewDisposeScope()) loss = Create(name);
            using (loss)
            {
                Assert.Equal(buffers.OrderBy(b => b), loss.named_buffers().Select(b => b.name).OrderBy(b => b));
                using var scope = NewDisposeScope();
                var x = tensor(new double[] { 0.5, -0.2, 0.1, 1.0, 0.0, 2.0, -1.0, 0.3 }, ScalarType.Float64).reshape(2, 4);
                var y = tensor(new long[] { 0, 3 });
                double before = loss.call(x, y).item<double>();
                Assert.True(double.IsFinite(before));
                // Converting the module's dtype converts the buffers; the loss follows the logits' dtype.
                loss.to(ScalarType.Float32);
                Assert.All(loss.named_buffers(), b => Assert.Equal(ScalarType.Float32, b.buffer.dtype));
                Assert.Equal(before, loss.call(x, y).item<double>(), 5);
            }
        }
    }
}
