using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// A dense (segmentation) network: <see cref="ClassifierNetwork.Features"/> gives a feature map [B, D, H, W] and the
    /// head is a 1x1 convolution, written as the linear <see cref="ClassifierNetwork.Head"/> applied at every position,
    /// so the logits are [B, C, H, W] and the attraction / repulsion diagnostics see each pixel as a sample.
    /// </summary>
    public abstract class SegmentationNetwork : ClassifierNetwork
    {
        /// <summary>Creates the module with TorchSharp's module name <paramref name="name"/>.</summary>
        /// <param name="name">Module name, shown in TorchSharp's state dictionaries.</param>
        protected SegmentationNetwork(string name) : base(name)
        {
        }

        /// <inheritdoc />
        public override bool IsDense => true;

        /// <summary>The head at every position: channels moved last, the linear (or cosine) head, channels moved back.</summary>
        /// <param name="features">Feature map [B, D, H, W].</param>
        /// <returns>The features the head read [B, D, H, W] and the logits [B, C, H, W].</returns>
        protected override (Tensor Features, Tensor Logits) ApplyHead(Tensor features)
        {
            using var scope = torch.NewDisposeScope();
            var (read, logits) = base.ApplyHead(features.movedim(new long[] { 1 }, new long[] { -1 }));
            return (read.movedim(new long[] { -1 }, new long[] { 1 }).MoveToOuterDisposeScope(),
                logits.movedim(new long[] { -1 }, new long[] { 1 }).MoveToOuterDisposeScope());
        }
    }
}
