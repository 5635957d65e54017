using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// The authors' <c>deterministic: true</c> on a CUDA device: their code sets cuDNN deterministic and cuDNN benchmark
    /// off. TorchSharp 0.107 exposes neither cuDNN switch, and its <c>use_deterministic_algorithms</c> is marked "not
    /// implemented"; what it does expose is set here — TF32 off for matrix products and for cuDNN — and what cannot be set
    /// is reported once.
    /// On the CPU every run is already repeatable for a given seed and thread count, so nothing is changed there.
    /// </summary>
    public static class Determinism
    {
        /// <summary>Applies the settings for <paramref name="device"/> when <paramref name="deterministic"/> is true.</summary>
        /// <param name="deterministic">The config's <c>deterministic</c>.</param>
        /// <param name="device">The training device.</param>
        /// <returns>One line per setting that could not be applied (empty when none or when nothing was asked).</returns>
        /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
        public static IReadOnlyList<string> Apply(bool deterministic, Device device)
        {
            ArgumentNullException.ThrowIfNull(device);
            if (!deterministic || device.type != DeviceType.CUDA) return Array.Empty<string>();
            torch.backends.cuda.matmul.allow_tf32 = false;
            torch.backends.cudnn.allow_tf32 = false;
            var missing = new List<string>
            {
                "deterministic: TF32 is off; cuDNN deterministic cannot be set from TorchSharp 0.107 (no switch, and use_deterministic_algorithms is not implemented), so CUDA convolutions may differ between runs in the last bits; cuDNN benchmark has no switch either (libtorch's default, off, applies)",
            };
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CUBLAS_WORKSPACE_CONFIG")))
                missing.Add("deterministic: CUBLAS_WORKSPACE_CONFIG is not set, so cuBLAS may still reorder sums; start the program with CUBLAS_WORKSPACE_CONFIG=:4096:8 for bitwise repeatable CUDA runs");
            return missing;
        }
    }
}
