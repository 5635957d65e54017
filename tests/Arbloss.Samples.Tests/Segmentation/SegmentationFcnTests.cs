using System;
using System.Linq;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Segmentation
{
    [Collection(TorchRngCollection.Name)]
    public class SegmentationFcnTests
    {
        [Fact]
        public void LogitsAreTheLinearHeadAtEveryPixel()
        {
            torch.manual_seed(1);
            using var model = new SegmentationFcn(5);
            model.eval();
            using var x = torch.randn(2, 3, 9, 11);
            var (features, logits) = model.ForwardWithFeatures(x);
            using (features)
            using (logits)
            {
                Assert.Equal(new long[] { 2, 48, 9, 11 }, features.shape);
                Assert.Equal(new long[] { 2, 5, 9, 11 }, logits.shape);
                Assert.True(model.IsDense);
                // Independently: z[b, j, y, x] = sum_d W[j, d] f[b, d, y, x] + bias[j], in float64 on the host.
                var f = features.to_type(ScalarType.Float64).data<double>().ToArray();
                var w = model.Head.weight!.to_type(ScalarType.Float64).data<double>().ToArray();
                var bias = model.Head.bias!.to_type(ScalarType.Float64).data<double>().ToArray();
                var z = logits.to_type(ScalarType.Float64).data<double>().ToArray();
                int hw = 9 * 11;
                for (int b = 0; b < 2; b++)
                    for (int j = 0; j < 5; j++)
                        for (int p = 0; p < hw; p += 7)
                        {
                            double expected = bias[j];
                            for (int d = 0; d < 48; d++) expected += w[j * 48 + d] * f[(b * 48 + d) * hw + p];
                            Assert.Equal(expected, z[(b * 5 + j) * hw + p], 4);
                        }
            }
        }

        [Fact]
        public void APixelSeesSeventeenPixelsAcross()
        {
            // Receptive field 1 + 2 * (1 + 1 + 2 + 4) = 17: a change 8 px away reaches the pixel, 9 px away does not.
            torch.manual_seed(2);
            using var model = new SegmentationFcn(3);
            model.eval();
            using var x = torch.randn(1, 3, 31, 31);
            using var baseLogits = model.forward(x);
            foreach (var (offset, reaches) in new[] { (8, true), (9, false) })
            {
                using var y = x.clone();
                y[0, TensorIndex.Colon, 15, 15 + offset] = torch.randn(3);
                using var changed = model.forward(y);
                var centre = (changed - baseLogits)[0, TensorIndex.Colon, 15, 15].abs().max().item<float>();
                Assert.Equal(reaches, centre > 1e-6f);
            }
        }
    }
}
