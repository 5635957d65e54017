using System;
using System.Runtime.InteropServices;

namespace Arbloss.Samples.Cli
{
    /// <summary>
    /// Makes the OpenMP threads of TorchSharp's CPU backend sleep instead of spin while they wait
    /// (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the user set a policy, so that idle worker threads do not compete for cores
    /// shared with other work. Must run before the first TorchSharp call, which loads the native libraries.
    /// </summary>
    public static class NativeThreading
    {
        /// <summary>Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native environment when it is unset (Linux only).</summary>
        /// <returns>Whether the variable was set.</returns>
        public static bool PreferPassiveWaiting()
        {
            if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return false;
            try
            {
                return setenv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int setenv(string name, string value, int overwrite);
    }
}
