using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// The operations of a reduced-precision ("autocast-style") forward, written out because TorchSharp 0.107 has no
    /// autocast: convolutions run in the compute dtype on casts of their float32 weights, batch norms run in float32.
    /// Intermediates are disposed as soon as the next one exists: without gradients (evaluation, a frozen trunk) a
    /// forward then holds about two activations at a time instead of every one until it returns.
    /// </summary>
    internal static class LowPrecision
    {
        /// <summary><paramref name="x"/> in <paramref name="dtype"/> (itself when it already is).</summary>
        public static Tensor Cast(Tensor x, ScalarType dtype) => x.dtype == dtype ? x : x.to_type(dtype);

        /// <summary>The convolution on <paramref name="x"/> (already in <paramref name="compute"/>) with its weight and
        /// bias cast to <paramref name="compute"/>; the casts are differentiable, so gradients reach the float32 parameters.</summary>
        public static Tensor Conv(Conv2d conv, Tensor x, ScalarType compute) =>
            nn.functional.conv2d(Cast(x, compute), Cast(conv.weight!, compute), conv.bias is null ? null : Cast(conv.bias, compute),
                conv.stride, conv.padding, conv.dilation, conv.groups);

        /// <summary>The batch norm computed in float32 (statistics and affine transform), the result back in <paramref name="x"/>'s
        /// dtype. The float32 copies are released as soon as they are used (autograd keeps what the backward needs).</summary>
        public static Tensor Norm(BatchNorm2d norm, Tensor x)
        {
            if (x.dtype == ScalarType.Float32) return norm.call(x);
            using var wide = x.to_type(ScalarType.Float32);
            using var normed = norm.call(wide);
            return normed.to_type(x.dtype);
        }

        /// <summary><paramref name="next"/>, after disposing <paramref name="used"/> unless it is <paramref name="keep"/>
        /// (the caller's input): a forward pass releases each intermediate once the next one exists.</summary>
        public static Tensor Replace(Tensor used, Tensor next, Tensor keep)
        {
            if (!ReferenceEquals(used, keep) && !ReferenceEquals(used, next)) used.Dispose();
            return next;
        }
    }
}
