using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// torchvision's <c>Bottleneck</c> block (ResNet v1.5: the stride sits on the 3x3 convolution): 1x1 reduce, 3x3,
    /// 1x1 expand by <see cref="Expansion"/>, each followed by batch norm, with an identity or projection
    /// (<c>downsample.0</c> = 1x1 convolution, <c>downsample.1</c> = batch norm) shortcut. Sub-module names match
    /// torchvision's, so its state_dict keys do too.
    /// </summary>
    public sealed class ResNetBottleneck : nn.Module<Tensor, Tensor>
    {
        /// <summary>Ratio of output to inner width (4).</summary>
        public const int Expansion = 4;

        // Made once (TorchSharp frees Scalars in the finalizer only; a Scalar per forward pins holes in glibc's heap).
        private static readonly Scalar One = 1.ToScalar();

        // Field names are the torchvision module names (RegisterComponents uses them as state_dict keys).
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Conv2d conv3;
        private readonly BatchNorm2d bn3;
        private readonly ReLU relu;
        private readonly Sequential? downsample;

        /// <summary>Creates a block.</summary>
        /// <param name="inPlanes">Input channels.</param>
        /// <param name="planes">Inner width; the block outputs planes * 4 channels.</param>
        /// <param name="stride">Stride of the 3x3 convolution (1 or 2).</param>
        /// <param name="device">Device to create the parameters on; null for the default (CPU).</param>
        /// <exception cref="ArgumentOutOfRangeException">A size or the stride is not positive.</exception>
        public ResNetBottleneck(long inPlanes, long planes, long stride = 1, Device? device = null) : base(nameof(ResNetBottleneck))
        {
            if (inPlanes < 1) throw new ArgumentOutOfRangeException(nameof(inPlanes), inPlanes, "Must be positive.");
            if (planes < 1) throw new ArgumentOutOfRangeException(nameof(planes), planes, "Must be positive.");
            if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Must be positive.");
            var outPlanes = planes * Expansion;
            conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false, device: device);
            bn1 = nn.BatchNorm2d(planes, device: device);
            conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false, device: device);
            bn2 = nn.BatchNorm2d(planes, device: device);
            conv3 = nn.Conv2d(planes, outPlanes, 1, bias: false, device: device);
            bn3 = nn.BatchNorm2d(outPlanes, device: device);
            relu = nn.ReLU(inplace: true);
            if (stride != 1 || inPlanes != outPlanes)
                downsample = nn.Sequential(nn.Conv2d(inPlanes, outPlanes, 1, stride: stride, bias: false, device: device), nn.BatchNorm2d(outPlanes, device: device));
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public long InPlanes => conv1.in_channels;

        /// <summary>Output channels (inner width * 4).</summary>
        public long OutPlanes => conv3.out_channels;

        /// <summary>Stride of the block (of its 3x3 convolution).</summary>
        public long Stride => conv2.stride[0];

        /// <summary>Whether the shortcut is a projection (1x1 convolution + batch norm) rather than the identity.</summary>
        public bool HasDownsample => downsample is not null;

        /// <summary>Runs the block on <paramref name="input"/> [B, InPlanes, H, W].</summary>
        /// <returns>[B, OutPlanes, H / stride, W / stride].</returns>
        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = relu.call(bn1.call(conv1.call(input)));
            x = relu.call(bn2.call(conv2.call(x)));
            x = bn3.call(conv3.call(x));
            var identity = downsample is null ? input : downsample.call(input);
            x = x.add_(identity, One);
            return relu.call(x).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Runs the block with its convolutions in <paramref name="compute"/> precision (e.g. bfloat16): the input is cast
        /// to it, each convolution reads a cast of its float32 weight (a differentiable cast, so gradients reach the
        /// float32 parameters), batch norms compute in float32. Returns a tensor of dtype <paramref name="compute"/>.
        /// </summary>
        internal Tensor Forward(Tensor input, ScalarType compute)
        {
            using var scope = NewDisposeScope();
            // Every intermediate is released once the next exists (autograd keeps what the backward needs).
            var cast = LowPrecision.Cast(input, compute);
            var x = LowPrecision.Conv(conv1, cast, compute);
            x = LowPrecision.Replace(x, LowPrecision.Norm(bn1, x), input);
            x = LowPrecision.Replace(x, relu.call(x), input);
            x = LowPrecision.Replace(x, LowPrecision.Conv(conv2, x, compute), input);
            x = LowPrecision.Replace(x, LowPrecision.Norm(bn2, x), input);
            x = LowPrecision.Replace(x, relu.call(x), input);
            x = LowPrecision.Replace(x, LowPrecision.Conv(conv3, x, compute), input);
            x = LowPrecision.Replace(x, LowPrecision.Norm(bn3, x), input);
            Tensor identity = cast;
            if (downsample is not null)
            {
                var children = downsample.children().ToArray();
                var projected = LowPrecision.Conv((Conv2d)children[0], cast, compute);
                identity = LowPrecision.Replace(projected, LowPrecision.Norm((BatchNorm2d)children[1], projected), input);
                if (!ReferenceEquals(cast, input)) cast.Dispose();
            }
            x = x.add_(identity, One);
            if (!ReferenceEquals(identity, input)) identity.Dispose();
            return relu.call(x).MoveToOuterDisposeScope();
        }
    }
}
