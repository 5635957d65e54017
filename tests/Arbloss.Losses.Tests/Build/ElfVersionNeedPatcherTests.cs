using System;
using System.IO;
using System.Linq;
using Arbloss.Build;
using Xunit;

namespace Arbloss.Losses.Tests.Build
{
    /// <summary>The ELF edit behind the TorchSharp load fix, on the real libLibTorchSharp.so shipped with TorchSharp 0.107.0.</summary>
    public class ElfVersionNeedPatcherTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("arbloss-elf-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        internal static string OutputLibrary()
        {
            var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Assert.True(File.Exists(path), $"expected TorchSharp's native library at {path}");
            return path;
        }

        /// <summary>A copy of the library with the GLIBCXX_3.4.32 requirement strong again, as TorchSharp ships it.</summary>
        private string StrongCopy()
        {
            var copy = Path.Combine(_dir, "libLibTorchSharp.so");
            var bytes = File.ReadAllBytes(OutputLibrary());
            var need = ElfVersionNeedPatcher.ReadVersionNeeds(bytes)!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
            ushort flags = (ushort)(need.Flags & ~ElfVersionNeedPatcher.VerFlagWeak);
            bytes[need.FlagsOffset] = (byte)flags;
            bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);
            File.WriteAllBytes(copy, bytes);
            return copy;
        }

        [Fact]
        public void ReadsTheVersionRequirementsOfTheRealLibrary()
        {
            var needs = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(OutputLibrary()))!;
            var glibcxx = needs.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
            Assert.Equal("libstdc++.so.6", glibcxx.File);
            Assert.Contains(needs, n => n.Name.StartsWith("GLIBC_", StringComparison.Ordinal));
        }

        [Fact]
        public void MarksOnlyThatRequirementWeakAndIsIdempotent()
        {
            var copy = StrongCopy();
            var before = File.ReadAllBytes(copy);
            Assert.Equal(ElfPatchResult.Patched, ElfVersionNeedPatcher.MarkWeak(copy));
            var after = File.ReadAllBytes(copy);
            var need = ElfVersionNeedPatcher.ReadVersionNeeds(after)!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
            Assert.True(need.IsWeak);
            // Exactly one byte differs: the weak bit of that vna_flags field.
            var diffs = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Equal(new[] { (int)need.FlagsOffset }, diffs);
            Assert.Equal(ElfPatchResult.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(copy));
            Assert.Equal(after, File.ReadAllBytes(copy));
            Assert.False(File.Exists(copy + ".arbloss-tmp"));
        }

        [Fact]
        public void LeavesOtherFilesAlone()
        {
            var text = Path.Combine(_dir, "not-elf.so");
            File.WriteAllText(text, "plain text, not an ELF file");
            Assert.Equal(ElfPatchResult.NotElf64, ElfVersionNeedPatcher.MarkWeak(text));
            Assert.Equal(ElfPatchResult.NotRequired, ElfVersionNeedPatcher.MarkWeak(StrongCopy(), "GLIBCXX_9.9.99"));
        }

        [Fact]
        public void RejectsTruncatedElf()
        {
            var bytes = File.ReadAllBytes(OutputLibrary());
            var truncated = Path.Combine(_dir, "truncated.so");
            File.WriteAllBytes(truncated, bytes.Take(4096).ToArray());
            Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(truncated));
        }

        [Fact]
        public void BuildOutputCopyIsPatchedWhenTheHostNeedsItAndTheNuGetCacheIsNot()
        {
            var output = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(OutputLibrary()))!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
            Assert.Equal(!ElfVersionNeedPatcher.HostLibStdCxxHasVersion(), output.IsWeak);
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var cached = Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            if (File.Exists(cached))
            {
                var original = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(cached))!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
                Assert.False(original.IsWeak);
            }
        }

        [Fact]
        public void DetectsVersionStrings()
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes("xxGLIBCXX_3.4.30\0GLIBCXX_3.4.3\0");
            Assert.True(ElfVersionNeedPatcher.ContainsVersionString(bytes, "GLIBCXX_3.4.30"));
            Assert.True(ElfVersionNeedPatcher.ContainsVersionString(bytes, "GLIBCXX_3.4.3"));
            Assert.False(ElfVersionNeedPatcher.ContainsVersionString(bytes, "GLIBCXX_3.4.32"));
        }
    }
}
