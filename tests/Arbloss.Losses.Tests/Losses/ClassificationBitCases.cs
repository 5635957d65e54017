using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Losses
{
    /// <summary>Fixed [B, C] calls of the comparison losses and ARB variants with default options, whose float32 bits were
    /// recorded with the code before the dense / ignore-index work (commit 7a3fdeb).</summary>
    internal static class ClassificationBitCases
    {
        public static List<(string Name, float[] Values)> Compute()
        {
            var result = new List<(string, float[])>();
            const int b = 6, c = 4;
            var logits = Enumerable.Range(0, b * c).Select(i => (float)(3 * Math.Sin(0.7 * i + 0.3))).ToArray();
            var target = new long[] { 0, 1, 2, 1, 1, 0 };
            var counts = new long[] { 40, 12, 3, 1 };
            var w = new[] { 0.5, 1.0, 2.0, 4.0 };
            foreach (var r in new[] { nn.Reduction.Mean, nn.Reduction.Sum, nn.Reduction.None })
            {
                var calls = new List<(string, Func<Tensor, Tensor, Tensor>)>
                {
                    ("la", (x, y) => { using var m = new LogitAdjustedLoss(counts, 1.0, r); return m.call(x, y); }),
                    ("la-f", (x, y) => Functional.logit_adjusted_loss(x, y, tensor(counts), 0.5, r)),
                    ("focal", (x, y) => { using var m = new FocalLoss(2.0, w, r); return m.call(x, y); }),
                    ("focal-f", (x, y) => Functional.focal_loss(x, y, 0.5, null, r)),
                    ("arbfocal-b", (x, y) => { using var m = new ArbFocalLoss(c, 2.0, r); return m.call(x, y); }),
                    ("arbfocal-g", (x, y) => { using var m = new ArbFocalLoss(counts, 1.5, r); return m.call(x, y); }),
                    ("arbfocal-f", (x, y) => Functional.arb_focal_loss(x, y, null, 2.0, r)),
                    ("warb-b", (x, y) => { using var m = new WeightedArbLoss(c, r); return m.call(x, y); }),
                    ("warb-g", (x, y) => { using var m = new WeightedArbLoss(counts, r); return m.call(x, y); }),
                    ("warb-f", (x, y) => Functional.weighted_arb_loss(x, y, tensor(counts), r)),
                    ("las-b", (x, y) => { using var m = new ArbLabelAwareSmoothingLoss(counts, CountSource.Batch, reduction: r); return m.call(x, y); }),
                    ("las-g", (x, y) => { using var m = new ArbLabelAwareSmoothingLoss(counts, CountSource.Global, reduction: r); return m.call(x, y); }),
                    ("las-f", (x, y) => Functional.arb_label_aware_smoothing_loss(x, y, tensor(counts), null, reduction: r)),
                };
                foreach (var (name, call) in calls)
                {
                    using var scope = NewDisposeScope();
                    var x = tensor(logits).reshape(b, c).requires_grad_(true);
                    var y = tensor(target);
                    var loss = call(x, y);
                    loss.sum().backward();
                    var values = loss.reshape(-1).data<float>().ToArray().Concat(x.grad!.reshape(-1).data<float>().ToArray()).ToArray();
                    result.Add(($"{name}/{r}", values));
                }
            }
            return result;
        }
    }
}
