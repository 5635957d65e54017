using System;
using System.IO;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// Where PyTorch keeps downloaded weights, so that files fetched once by <c>torchvision</c> (or copied there by hand)
    /// are found without a config entry. PyTorch's rule (<c>torch.hub.get_dir()</c>): <c>$TORCH_HOME/hub</c>, with
    /// <c>$TORCH_HOME</c> defaulting to <c>$XDG_CACHE_HOME/torch</c> and <c>$XDG_CACHE_HOME</c> to <c>~/.cache</c>;
    /// <c>load_state_dict_from_url</c> stores its files in the <c>checkpoints</c> folder below that.
    /// </summary>
    /// <remarks>The environment is read on every call. An empty variable counts as unset, and a leading <c>~</c> is
    /// expanded to the home folder as Python's <c>os.path.expanduser</c> does.</remarks>
    public static class TorchHub
    {
        /// <summary>The hub folder, <c>torch.hub.get_dir()</c>: <c>$TORCH_HOME/hub</c>.</summary>
        /// <returns>An absolute path; the folder need not exist.</returns>
        public static string HubDirectory() => Path.Combine(TorchHome(), "hub");

        /// <summary>The folder where <c>torch.hub.load_state_dict_from_url</c> (and so torchvision) saves weight files:
        /// <c>$TORCH_HOME/hub/checkpoints</c>.</summary>
        /// <returns>An absolute path; the folder need not exist.</returns>
        public static string CheckpointsDirectory() => Path.Combine(HubDirectory(), "checkpoints");

        /// <summary><c>$TORCH_HOME</c>, else <c>$XDG_CACHE_HOME/torch</c>, else <c>~/.cache/torch</c>.</summary>
        /// <returns>An absolute path; the folder need not exist.</returns>
        public static string TorchHome()
        {
            var torchHome = Environment.GetEnvironmentVariable("TORCH_HOME");
            if (!string.IsNullOrEmpty(torchHome)) return Expand(torchHome);
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var cacheDir = string.IsNullOrEmpty(cache) ? Path.Combine("~", ".cache") : cache;
            return Expand(Path.Combine(cacheDir, "torch"));
        }

        private static string Expand(string path)
        {
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                var home = Environment.GetEnvironmentVariable("HOME");
                if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                path = path.Length == 1 ? home : Path.Combine(home, path[2..]);
            }
            return Path.GetFullPath(path);
        }
    }
}
