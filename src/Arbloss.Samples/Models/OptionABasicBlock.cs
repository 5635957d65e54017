using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// The CIFAR ResNet basic block: two 3x3 convolutions with batch norm, and an option-A shortcut: when the block
    /// halves the resolution and widens the channels, the identity is subsampled by 2 and zero-padded on the channel
    /// dimension (no parameters).
    /// </summary>
    public sealed class OptionABasicBlock : nn.Module<Tensor, Tensor>
    {
        // Made once (TorchSharp frees Scalars in the finalizer only; a Scalar per forward pins holes in glibc's heap).
        private static readonly Scalar One = 1.ToScalar();

        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly int _stride;
        private readonly long _padChannels;

        /// <summary>Builds a block.</summary>
        /// <param name="inPlanes">Input channels.</param>
        /// <param name="planes">Output channels; at least <paramref name="inPlanes"/>.</param>
        /// <param name="stride">1, or 2 to halve the resolution.</param>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="planes"/> is
        /// below <paramref name="inPlanes"/>, or the stride is not 1 or 2.</exception>
        public OptionABasicBlock(int inPlanes, int planes, int stride) : base(nameof(OptionABasicBlock))
        {
            if (inPlanes < 1) throw new ArgumentOutOfRangeException(nameof(inPlanes), inPlanes, "Must be positive.");
            if (planes < inPlanes) throw new ArgumentOutOfRangeException(nameof(planes), planes, "Option-A shortcuts only widen: planes must be at least inPlanes.");
            if (stride != 1 && stride != 2) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be 1 or 2.");
            conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(planes);
            conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(planes);
            _stride = stride;
            _padChannels = planes - inPlanes;
            RegisterComponents();
        }

        /// <summary>Applies the block to [B, inPlanes, H, W], giving [B, planes, H / stride, W / stride].</summary>
        /// <param name="input">The block's input.</param>
        /// <returns>The block's output.</returns>
        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.relu(bn1.call(conv1.call(input)));
            y = bn2.call(conv2.call(y));
            var shortcut = input;
            if (_stride != 1 || _padChannels != 0)
            {
                if (_stride != 1) shortcut = shortcut[.., .., TensorIndex.Slice(null, null, _stride), TensorIndex.Slice(null, null, _stride)];
                long before = _padChannels / 2, after = _padChannels - before;
                shortcut = nn.functional.pad(shortcut, new long[] { 0, 0, 0, 0, before, after });
            }
            return nn.functional.relu(y.add_(shortcut, One)).MoveToOuterDisposeScope();
        }
    }
}
