// Arbloss.Losses build helper: makes TorchSharp 0.107.0's libLibTorchSharp.so load on hosts whose
// libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
//
// libLibTorchSharp.so records a version requirement on GLIBCXX_3.4.32. The only symbol bound to that
// version is std::ios_base_library_init(), a link-time marker that is never called. The dynamic loader
// refuses the whole library when a required version is missing, unless the requirement is marked weak
// (VER_FLG_WEAK in the vna_flags of its Elf64_Vernaux record). This file sets that one flag, in place,
// in a copy of the library inside a build or publish output folder. It is compiled by MSBuild's
// RoslynCodeTaskFactory from Arbloss.Losses.targets, and by the test project (with ARBLOSS_NO_MSBUILD).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Arbloss.Build
{
    /// <summary>Outcome of <see cref="ElfVersionNeedPatcher.MarkWeak"/> for one file.</summary>
    public enum ElfPatchResult
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak; the file was not written.</summary>
        AlreadyWeak,
        /// <summary>The file records no requirement on that version; the file was not written.</summary>
        NotRequired,
        /// <summary>The file is not a little-endian ELF64 shared object; the file was not written.</summary>
        NotElf64,
    }

    /// <summary>Reads and edits the GNU version-needed records (<c>.gnu.version_r</c>) of an ELF64 file.</summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>The version that TorchSharp 0.107.0 requires and older libstdc++ builds lack.</summary>
        public const string GlibcxxVersion = "GLIBCXX_3.4.32";

        /// <summary>One version requirement: the library it is needed from, its name, its flags and the file offset of its flags.</summary>
        public readonly struct VersionNeed
        {
            /// <summary>Creates a record.</summary>
            public VersionNeed(string file, string name, ushort flags, long flagsOffset)
            {
                File = file; Name = name; Flags = flags; FlagsOffset = flagsOffset;
            }
            /// <summary>The library the version is needed from (for example <c>libstdc++.so.6</c>).</summary>
            public string File { get; }
            /// <summary>The version name (for example <c>GLIBCXX_3.4.32</c>).</summary>
            public string Name { get; }
            /// <summary>The vna_flags field.</summary>
            public ushort Flags { get; }
            /// <summary>The byte offset of vna_flags in the file.</summary>
            public long FlagsOffset { get; }
            /// <summary>True when VER_FLG_WEAK is set.</summary>
            public bool IsWeak => (Flags & VerFlagWeak) != 0;
        }

        /// <summary>Lists the version requirements of an ELF64 little-endian file; null when it is not one.</summary>
        /// <exception cref="InvalidDataException">The file is ELF64 but its version records are malformed.</exception>
        public static List<VersionNeed>? ReadVersionNeeds(byte[] image)
        {
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F'
                || image[4] != 2 /* ELFCLASS64 */ || image[5] != 1 /* little endian */)
            {
                return null;
            }
            ulong shoff = U64(image, 0x28);
            ushort shentsize = U16(image, 0x3A);
            ushort shnum = U16(image, 0x3C);
            var result = new List<VersionNeed>();
            if (shoff == 0 || shnum == 0)
            {
                return result;
            }
            Check(shentsize >= 64 && shoff + (ulong)shentsize * shnum <= (ulong)image.Length, "section header table out of range");
            for (int i = 0; i < shnum; i++)
            {
                long sh = (long)shoff + (long)i * shentsize;
                if (U32(image, sh + 4) != ShtGnuVerneed)
                {
                    continue;
                }
                long secOff = (long)U64(image, sh + 0x18);
                long secSize = (long)U64(image, sh + 0x20);
                uint link = U32(image, sh + 0x28);
                uint count = U32(image, sh + 0x2C);
                Check(link < shnum && secOff >= 0 && secOff + secSize <= image.Length, "verneed section out of range");
                long strSh = (long)shoff + (long)link * shentsize;
                long strOff = (long)U64(image, strSh + 0x18);
                long strSize = (long)U64(image, strSh + 0x20);
                Check(strOff >= 0 && strOff + strSize <= image.Length, "string table out of range");

                long vn = secOff;
                for (uint k = 0; k < count; k++)
                {
                    Check(vn + 16 <= secOff + secSize, "verneed entry out of range");
                    ushort cnt = U16(image, vn + 2);
                    string file = Str(image, strOff, strSize, U32(image, vn + 4));
                    long aux = vn + U32(image, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        Check(aux + 16 <= secOff + secSize, "vernaux entry out of range");
                        ushort flags = U16(image, aux + 4);
                        string name = Str(image, strOff, strSize, U32(image, aux + 8));
                        result.Add(new VersionNeed(file, name, flags, aux + 4));
                        uint next = U32(image, aux + 12);
                        if (next == 0) break;
                        aux += next;
                    }
                    uint vnNext = U32(image, vn + 12);
                    if (vnNext == 0) break;
                    vn += vnNext;
                }
            }
            return result;
        }

        /// <summary>
        /// Marks the requirement on <paramref name="version"/> weak in the ELF file at <paramref name="path"/>.
        /// Writes through a temporary file and a rename, so a failure never leaves a half-written library.
        /// Idempotent: a file that is already weak, or has no such requirement, is not touched.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is ELF64 but its version records are malformed.</exception>
        /// <exception cref="IOException">The file cannot be read or replaced.</exception>
        public static ElfPatchResult MarkWeak(string path, string version = GlibcxxVersion)
        {
            byte[] image = File.ReadAllBytes(path);
            var needs = ReadVersionNeeds(image);
            if (needs == null)
            {
                return ElfPatchResult.NotElf64;
            }
            bool found = false, changed = false;
            foreach (var need in needs)
            {
                if (need.Name != version) continue;
                found = true;
                if (need.IsWeak) continue;
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                image[need.FlagsOffset] = (byte)(flags & 0xff);
                image[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed = true;
            }
            if (!found) return ElfPatchResult.NotRequired;
            if (!changed) return ElfPatchResult.AlreadyWeak;

            // Patch a copy (File.Copy keeps the permissions), then rename it over the original.
            string temp = path + ".arbloss-tmp";
            File.Copy(path, temp, overwrite: true);
            try
            {
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                {
                    foreach (var need in needs)
                    {
                        if (need.Name != version) continue;
                        stream.Position = need.FlagsOffset;
                        stream.Write(image, (int)need.FlagsOffset, 2);
                    }
                }
                File.Replace(temp, path, null);
            }
            catch
            {
                File.Delete(temp);
                throw;
            }
            return ElfPatchResult.Patched;
        }

        /// <summary>
        /// True when the host's libstdc++ (the first <c>libstdc++.so.6</c> found in the usual library folders)
        /// defines <paramref name="version"/>; false when it does not or none is found.
        /// </summary>
        public static bool HostLibStdCxxHasVersion(string version = GlibcxxVersion)
        {
            string[] dirs =
            {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            };
            foreach (var dir in dirs)
            {
                string candidate = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(candidate))
                {
                    return ContainsVersionString(File.ReadAllBytes(candidate), version);
                }
            }
            return false;
        }

        /// <summary>The file name of TorchSharp's native library, the file this step patches.</summary>
        public const string LibraryName = "libLibTorchSharp.so";

        /// <summary>
        /// Marks the requirement weak in every <see cref="LibraryName"/> under <paramref name="folder"/> (a build or publish
        /// output folder), reporting each file. Descends into sub-folders but not into symbolic links to folders, so nothing
        /// outside the output folder (the NuGet cache above all) is written; a file that is a hard or symbolic link is
        /// replaced by a patched copy (see <see cref="MarkWeak"/>), and what it pointed to stays as it was.
        /// </summary>
        /// <param name="folder">The folder to search; nothing happens when it does not exist.</param>
        /// <param name="onResult">Called with each library found and what <see cref="MarkWeak"/> did to it.</param>
        /// <param name="onError">Called with a library that could not be read or replaced, and why; the walk goes on.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public static void PatchFolder(string folder, Action<string, ElfPatchResult> onResult, Action<string, Exception> onError)
        {
            if (folder == null) throw new ArgumentNullException(nameof(folder));
            if (onResult == null) throw new ArgumentNullException(nameof(onResult));
            if (onError == null) throw new ArgumentNullException(nameof(onError));
            if (!Directory.Exists(folder)) return;
            var pending = new Stack<string>();
            pending.Push(folder);
            while (pending.Count > 0)
            {
                string dir = pending.Pop();
                foreach (var file in Directory.GetFiles(dir, LibraryName))
                {
                    try
                    {
                        onResult(file, MarkWeak(file));
                    }
                    catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                    {
                        onError(file, e);
                    }
                }
                foreach (var sub in Directory.GetDirectories(dir))
                {
                    if ((File.GetAttributes(sub) & FileAttributes.ReparsePoint) == 0) pending.Push(sub);
                }
            }
        }

        /// <summary>
        /// The build message for a library that was patched: which file, why, and how to turn the step off.
        /// </summary>
        /// <param name="file">The patched library.</param>
        /// <param name="forced">True when the host's libstdc++ has the version and the patch was forced.</param>
        /// <returns>One line.</returns>
        public static string PatchedMessage(string file, bool forced) =>
            "Arbloss.Losses: patched " + file + ": marked its " + GlibcxxVersion + " requirement weak, "
            + (forced
                ? "forced by ArblossPatchTorchSharpNativeForce=true (for hosts whose libstdc++ lacks " + GlibcxxVersion + ")"
                : "because this host's libstdc++ lacks " + GlibcxxVersion + " and TorchSharp's native library would not load")
            + "; only this output copy is changed. Turn this off with -p:ArblossPatchTorchSharpNative=false"
            + " (<ArblossPatchTorchSharpNative>false</ArblossPatchTorchSharpNative>).";

        /// <summary>True when <paramref name="image"/> contains <paramref name="version"/> as a NUL-terminated string.</summary>
        public static bool ContainsVersionString(byte[] image, string version)
        {
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= image.Length; i++)
            {
                if (image[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && image[i + k] == needle[k]) k++;
                if (k == needle.Length) return true;
            }
            return false;
        }

        private static void Check(bool ok, string what)
        {
            if (!ok) throw new InvalidDataException("Malformed ELF file: " + what + ".");
        }

        private static ushort U16(byte[] b, long o) { Check(o + 2 <= b.Length, "read past end"); return (ushort)(b[o] | b[o + 1] << 8); }
        private static uint U32(byte[] b, long o) { Check(o + 4 <= b.Length, "read past end"); return BitConverter.ToUInt32(b, (int)o); }
        private static ulong U64(byte[] b, long o) { Check(o + 8 <= b.Length, "read past end"); return BitConverter.ToUInt64(b, (int)o); }

        private static string Str(byte[] b, long tableOff, long tableSize, uint index)
        {
            Check(index < tableSize, "string index out of range");
            long start = tableOff + index;
            long end = start;
            while (end < tableOff + tableSize && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
        }
    }

#if !ARBLOSS_NO_MSBUILD
    /// <summary>
    /// MSBuild task: finds every <c>libLibTorchSharp.so</c> under <see cref="Directories"/> and marks its
    /// GLIBCXX_3.4.32 requirement weak when the host libstdc++ lacks that version.
    /// </summary>
    public class PatchTorchSharpNative : Microsoft.Build.Utilities.Task
    {
        /// <summary>Output folders to search recursively (build output, publish folder).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Directories { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>Patch even when the host libstdc++ already has the version (for testing).</summary>
        public bool Force { get; set; }

        /// <summary>Runs the task.</summary>
        public override bool Execute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return true;
            bool hostHasVersion = ElfVersionNeedPatcher.HostLibStdCxxHasVersion();
            if (!Force && hostHasVersion)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    "Arbloss.Losses: host libstdc++ provides " + ElfVersionNeedPatcher.GlibcxxVersion + "; TorchSharp natives left as they are.");
                return true;
            }
            foreach (var item in Directories)
            {
                ElfVersionNeedPatcher.PatchFolder(item.GetMetadata("FullPath"),
                    (file, result) =>
                    {
                        if (result == ElfPatchResult.Patched)
                            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, ElfVersionNeedPatcher.PatchedMessage(file, forced: hostHasVersion));
                        else
                            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "Arbloss.Losses: " + file + ": " + result + ".");
                    },
                    (file, e) => Log.LogWarning("Arbloss.Losses: could not patch " + file + ": " + e.Message
                        + " TorchSharp may fail to load with 'GLIBCXX_3.4.32 not found'."));
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
