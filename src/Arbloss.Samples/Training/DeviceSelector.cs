using System;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>Turns the <c>--device</c> text (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a TorchSharp device.</summary>
    public static class DeviceSelector
    {
        /// <summary>Resolves a device name.</summary>
        /// <param name="name"><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> (device 0) or <c>cuda:N</c>.</param>
        /// <returns>The device.</returns>
        /// <exception cref="ArgumentException">The name is not one of the forms above, CUDA was asked for but this build or
        /// machine has none, or the device index does not exist.</exception>
        public static Device Resolve(string? name)
        {
            if (Problem(name) is string problem) throw new ArgumentException(problem, nameof(name));
            var text = (name ?? "auto").Trim().ToLowerInvariant();
            if (text is "" or "auto") return CudaAvailable() ? torch.CUDA : torch.CPU;
            if (text == "cpu") return torch.CPU;
            if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
            {
                int index = 0;
                if (text.Length > 4 && !int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index))
                    throw new ArgumentException($"--device {name}: expected cuda:N with a device number N.", nameof(name));
                if (!CudaAvailable())
                    throw new ArgumentException($"--device {name}: CUDA is not available (this build uses the CPU backend, or no GPU/driver was found); rebuild with -p:TorchBackend=cuda-linux or use --device cpu.", nameof(name));
                int count = torch.cuda.device_count();
                if (index >= count)
                    throw new ArgumentException($"--device {name}: only {count} CUDA device(s) found (cuda:0 .. cuda:{count - 1}).", nameof(name));
                return torch.device(DeviceType.CUDA, index);
            }
            throw new ArgumentException($"--device {name}: expected auto, cpu, cuda or cuda:N.", nameof(name));
        }

        /// <summary>Checks the form of a device name without asking the machine what it has.</summary>
        /// <param name="name">The <c>--device</c> text.</param>
        /// <returns>Why it is not one of <c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>; null when it is.</returns>
        public static string? Problem(string? name)
        {
            var text = (name ?? "auto").Trim().ToLowerInvariant();
            if (text is "" or "auto" or "cpu" or "cuda") return null;
            if (text.StartsWith("cuda:", StringComparison.Ordinal))
                return int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null : $"--device {name}: expected cuda:N with a device number N, e.g. cuda:0.";
            return $"--device {name}: expected auto, cpu, cuda or cuda:N.";
        }

        private static bool CudaAvailable()
        {
            try
            {
                return torch.cuda.is_available();
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException)
            {
                return false;
            }
        }
    }
}
