using System;
using System.Linq;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Models;
using Arbloss.Samples.Tests.Support;
using Arbloss.Samples.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Arbloss.Samples.Tests.Models
{
    /// <summary>LDAM's cosine head (Cao et al.'s normalised classifier) against cosines computed here in float64.</summary>
    [Collection(TorchRngCollection.Name)]
    public class CosineHeadTests
    {
        [Fact]
        public void CosineLogitsAreTheCosinesOfFeaturesAndClassifierRows()
        {
            torch.manual_seed(3);
            using var model = new MlpNet(12, 5);
            using var x = torch.randn(7, 12);
            model.eval();
            using var plain = model.forward(x);
            model.CosineHead = true;
            var (features, logits) = model.ForwardWithFeatures(x);
            using (features)
            using (logits)
            {
                using var raw = model.Features(x);
                var f = raw.to_type(ScalarType.Float64).data<double>().ToArray();
                var w = model.Head.weight!.to_type(ScalarType.Float64).data<double>().ToArray();
                int d = (int)raw.size(1), c = 5;
                var z = logits.to_type(ScalarType.Float64).data<double>().ToArray();
                for (int s = 0; s < 7; s++)
                    for (int j = 0; j < c; j++)
                    {
                        double dot = 0, nf = 0, nw = 0;
                        for (int k = 0; k < d; k++)
                        {
                            dot += f[s * d + k] * w[j * d + k];
                            nf += f[s * d + k] * f[s * d + k];
                            nw += w[j * d + k] * w[j * d + k];
                        }
                        Assert.Equal(dot / Math.Sqrt(nf * nw), z[s * c + j], 5);
                    }
                // The features handed to the diagnostics are the unit vectors the head reads.
                var norms = features.norm(1).to_type(ScalarType.Float64).data<double>().ToArray();
                Assert.All(norms, n => Assert.Equal(1.0, n, 5));
                // And it is not the plain head.
                Assert.False(plain.allclose(logits, 1e-3, 1e-3));
            }
        }

        [Theory]
        [InlineData("ldam", true)]
        [InlineData("ldam_drw", true)]
        [InlineData("cross_entropy", false)]
        [InlineData("arb_batch", false)]
        public void TheTrainerGivesLdamItsCosineHead(string loss, bool cosine)
        {
            var cfg = ConfigLoader.Parse($"dataset: synthetic\nbackbone: mlp\nloss: {loss}", "cosine.yaml");
            using var model = Trainer.CreateModel(cfg, new long[] { 32 });
            Assert.Equal(cosine, model.CosineHead);
        }
    }
}
