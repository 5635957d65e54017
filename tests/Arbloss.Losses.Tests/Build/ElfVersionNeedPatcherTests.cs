using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
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
        public void BuildOutputCopyIsPatchedWhenTheHostNeedsIt()
        {
            var output = ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(OutputLibrary()))!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);
            Assert.Equal(!ElfVersionNeedPatcher.HostLibStdCxxHasVersion(), output.IsWeak);
        }

        [DllImport("libc", SetLastError = true, EntryPoint = "link")]
        private static extern int HardLink(string existing, string newPath);

        private static ElfVersionNeedPatcher.VersionNeed Glibcxx(string path) =>
            ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(path))!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion);

        [Fact]
        public void PatchingAnOutputFolderNeverWritesThroughToTheNuGetCache()
        {
            // The global packages folder as NuGet extracts TorchSharp 0.107.0, with the library as it ships (strong).
            var cacheNative = Path.Combine(_dir, "packages", "torchsharp", "0.107.0", "runtimes", "linux-x64", "native");
            Directory.CreateDirectory(cacheNative);
            var cached = Path.Combine(cacheNative, ElfVersionNeedPatcher.LibraryName);
            File.Copy(StrongCopy(), cached);
            var original = File.ReadAllBytes(cached);

            // An output folder whose copies are links into the cache, as MSBuild makes them with
            // CreateHardLinksForCopyLocalIfPossible / CreateSymbolicLinksForCopyLocalIfPossible, a plain copy, and a
            // symbolic link to the cache's native folder that the walk must not enter.
            var output = Path.Combine(_dir, "app", "bin", "Release", "net10.0");
            var hardLinked = Path.Combine(output, "runtimes", "linux-x64", "native", ElfVersionNeedPatcher.LibraryName);
            var symLinked = Path.Combine(output, "cpu", ElfVersionNeedPatcher.LibraryName);
            var copied = Path.Combine(output, "publish", ElfVersionNeedPatcher.LibraryName);
            foreach (var file in new[] { hardLinked, symLinked, copied }) Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            Assert.True(HardLink(cached, hardLinked) == 0, $"link() failed with errno {Marshal.GetLastPInvokeError()}");
            File.CreateSymbolicLink(symLinked, cached);
            File.Copy(cached, copied);
            Directory.CreateSymbolicLink(Path.Combine(output, "linked-native"), cacheNative);
            Assert.True(Glibcxx(Path.Combine(output, "linked-native", ElfVersionNeedPatcher.LibraryName)).Flags == Glibcxx(cached).Flags);

            var results = new List<(string File, ElfPatchResult Result)>();
            var errors = new List<string>();
            ElfVersionNeedPatcher.PatchFolder(output, (f, r) => results.Add((f, r)), (f, e) => errors.Add($"{f}: {e.Message}"));
            Assert.Empty(errors);
            Assert.Equal(new[] { copied, symLinked, hardLinked }.OrderBy(f => f, StringComparer.Ordinal),
                results.Select(r => r.File).OrderBy(f => f, StringComparer.Ordinal));
            Assert.All(results, r => Assert.Equal(ElfPatchResult.Patched, r.Result));
            foreach (var file in new[] { hardLinked, symLinked, copied })
            {
                Assert.True(Glibcxx(file).IsWeak, file);
                Assert.Null(new FileInfo(file).LinkTarget);   // the link was replaced by a patched file of its own
            }

            // The cached library: same bytes, requirement still strong, also through the linked folder.
            Assert.Equal(original, File.ReadAllBytes(cached));
            Assert.False(Glibcxx(cached).IsWeak);
            Assert.False(Glibcxx(Path.Combine(output, "linked-native", ElfVersionNeedPatcher.LibraryName)).IsWeak);

            // Again: nothing left to do, nothing written.
            results.Clear();
            ElfVersionNeedPatcher.PatchFolder(output, (f, r) => results.Add((f, r)), (f, e) => errors.Add(f));
            Assert.Equal(3, results.Count);
            Assert.All(results, r => Assert.Equal(ElfPatchResult.AlreadyWeak, r.Result));
            Assert.Equal(original, File.ReadAllBytes(cached));
            ElfVersionNeedPatcher.PatchFolder(Path.Combine(_dir, "no-such-folder"), (f, r) => results.Add((f, r)), (f, e) => errors.Add(f));
            Assert.Equal(3, results.Count);
        }

        [Fact]
        public void ReportsAFileThatCannotBePatchedAndGoesOn()
        {
            var output = Path.Combine(_dir, "out");
            Directory.CreateDirectory(Path.Combine(output, "a"));
            Directory.CreateDirectory(Path.Combine(output, "b"));
            File.WriteAllBytes(Path.Combine(output, "a", ElfVersionNeedPatcher.LibraryName), File.ReadAllBytes(OutputLibrary()).Take(4096).ToArray());
            File.Copy(StrongCopy(), Path.Combine(output, "b", ElfVersionNeedPatcher.LibraryName));
            var results = new List<(string File, ElfPatchResult Result)>();
            var errors = new List<(string File, Exception Error)>();
            ElfVersionNeedPatcher.PatchFolder(output, (f, r) => results.Add((f, r)), (f, e) => errors.Add((f, e)));
            Assert.Equal(Path.Combine(output, "a", ElfVersionNeedPatcher.LibraryName), Assert.Single(errors).File);
            Assert.IsType<InvalidDataException>(errors[0].Error);
            Assert.Equal((Path.Combine(output, "b", ElfVersionNeedPatcher.LibraryName), ElfPatchResult.Patched), Assert.Single(results));
        }

        [Fact]
        public void PatchedMessageSaysWhichFileWhyAndHowToTurnItOff()
        {
            const string file = "/app/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so";
            var message = ElfVersionNeedPatcher.PatchedMessage(file, forced: false);
            Assert.StartsWith("Arbloss.Losses: patched " + file + ":", message);
            Assert.Contains("libstdc++ lacks GLIBCXX_3.4.32", message);
            Assert.Contains("ArblossPatchTorchSharpNative=false", message);
            Assert.DoesNotContain('\n', message);
            var forced = ElfVersionNeedPatcher.PatchedMessage(file, forced: true);
            Assert.Contains(file, forced);
            Assert.Contains("ArblossPatchTorchSharpNativeForce=true", forced);
            Assert.Contains("ArblossPatchTorchSharpNative=false", forced);
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
