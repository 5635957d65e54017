using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>Memory layouts of image batches. TorchSharp 0.107 has no <c>memory_format</c> argument, so the layout is
    /// built from permutations, which libtorch recognises by the strides.</summary>
    internal static class MemoryLayout
    {
        /// <summary>Whether <paramref name="x"/> [B, C, H, W] is stored channels-last (NHWC): channel stride 1, width stride C.</summary>
        public static bool IsChannelsLast(Tensor x) =>
            x.dim() == 4 && x.stride(1) == 1 && x.stride(3) == x.size(1) && x.stride(2) == x.size(1) * x.size(3);

        /// <summary><paramref name="x"/> [B, C, H, W] stored channels-last (itself when it already is; otherwise a copy,
        /// differentiable).</summary>
        public static Tensor ChannelsLast(Tensor x) =>
            IsChannelsLast(x) ? x : x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }
}
