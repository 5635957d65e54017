using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using Arbloss.Build;
using Xunit;
using Xunit.Abstractions;

namespace Arbloss.Losses.Tests.Build
{
    /// <summary>
    /// The README's two ways to use the package from this repository, each in a fresh console project with TorchSharp-cpu,
    /// built and run: packed into a local folder and added with <c>dotnet add package</c> (the packaged buildTransitive
    /// step alone must make TorchSharp load), and referenced as a project with the one <c>Import</c> line.
    /// </summary>
    [Trait("Category", "Packaging")]
    public class PackageConsumerTests : IDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly string _work = Directory.CreateTempSubdirectory("arbloss-consumer-").FullName;

        public PackageConsumerTests(ITestOutputHelper output) => _output = output;

        public void Dispose()
        {
            try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        }

        private string Run(string workingDirectory, string arguments, int timeoutSeconds = 600)
        {
            var (exitCode, stdout, stderr) = DotnetCli.Run(workingDirectory, arguments, timeoutSeconds);
            var text = stdout + stderr;
            _output.WriteLine($"$ dotnet {arguments}\n{text}");
            Assert.True(exitCode == 0, $"dotnet {arguments} exited with {exitCode}:\n{text}");
            return text;
        }

        /// <summary>The README's console program: one ARB-Loss value, printed.</summary>
        private const string Program = @"using Arbloss.Losses;
using static TorchSharp.torch;
using var loss = new ArbLoss(new long[] { 100, 10, 1 });
var logits = tensor(new float[] { 2f, 0.5f, -1f, 0f, 1f, 3f }).reshape(2, 3);
var value = loss.call(logits, tensor(new long[] { 0, 2 }));
Console.WriteLine(FormattableString.Invariant($""loss={value.item<float>():R}""));
";

        /// <summary><c>dotnet new console</c> in a fresh folder, with the program above.</summary>
        private string NewConsoleApp(string name)
        {
            Run(_work, $"new console -o {name} --framework net10.0");
            var app = Path.Combine(_work, name);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
            return app;
        }

        /// <summary>Builds and runs the app: TorchSharp loads and the loss is right; the output copy of the native library
        /// was patched exactly when this host needs it.</summary>
        private void BuildRunAndCheck(string app)
        {
            var built = Run(app, "build -c Release");
            var output = Run(app, "run -c Release --no-build");
            var line = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("loss=", StringComparison.Ordinal));
            var value = double.Parse(line["loss=".Length..], CultureInfo.InvariantCulture);
            // Independent value: mean over samples of logsumexp(z + log n) - (z_y + log n_y).
            double Expected(double[] z, int y)
            {
                var n = new[] { 100.0, 10.0, 1.0 };
                var shifted = z.Select((v, j) => v + Math.Log(n[j])).ToArray();
                var max = shifted.Max();
                return max + Math.Log(shifted.Sum(s => Math.Exp(s - max))) - shifted[y];
            }
            var expected = (Expected(new[] { 2.0, 0.5, -1.0 }, 0) + Expected(new[] { 0.0, 1.0, 3.0 }, 2)) / 2;
            Assert.Equal(expected, value, 5);
            // The output copies were patched only if this host needs it, each with one high-importance message (shown at
            // the default verbosity): which file, why, how to turn it off.
            bool needed = !ElfVersionNeedPatcher.HostLibStdCxxHasVersion();
            var libraries = Directory.GetFiles(Path.Combine(app, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories);
            Assert.NotEmpty(libraries);
            foreach (var library in libraries)
            {
                Assert.Equal(needed, IsWeak(library));
                Assert.Equal(needed ? 1 : 0, Occurrences(built, ElfVersionNeedPatcher.PatchedMessage(library, forced: false)));
            }
            Assert.Equal(needed ? libraries.Length : 0, Occurrences(built, "Arbloss.Losses: patched "));

            // The NuGet cache, where this restore put TorchSharp, still holds the library as shipped.
            using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "obj", "project.assets.json")));
            var folders = assets.RootElement.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToArray();
            var cached = folders.Select(f => Path.Combine(f, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"))
                .FirstOrDefault(File.Exists);
            Assert.True(cached is not null, $"TorchSharp 0.107.0's native library not found in the restore's package folders: {string.Join(", ", folders)}");
            Assert.False(IsWeak(cached!));
        }

        private static XDocument Nuspec(string nupkg)
        {
            using var zip = ZipFile.OpenRead(nupkg);
            using var stream = zip.Entries.Single(e => e.FullName == "Arbloss.Losses.nuspec").Open();
            return XDocument.Load(stream);
        }

        private static int Occurrences(string text, string what)
        {
            int count = 0;
            for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
            return count;
        }

        private static bool IsWeak(string library) =>
            ElfVersionNeedPatcher.ReadVersionNeeds(File.ReadAllBytes(library))!.Single(n => n.Name == ElfVersionNeedPatcher.GlibcxxVersion).IsWeak;

        [Fact]
        public void PackedIntoALocalFolderAndAddedWithDotnetAddPackageItLoadsTorchSharp()
        {
            // The README's steps: pack into a folder, point a nuget.config beside the app at it (a relative path), add the package.
            var root = DotnetCli.RepositoryRoot();
            var feed = Path.Combine(_work, "arbloss-feed");
            // A version of its own, so a stale copy in the global packages folder is never picked up.
            var version = "0.0.0-consumer." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
            Run(root, $"pack src/Arbloss.Losses/Arbloss.Losses.csproj -c Release -o \"{feed}\" -p:Version={version} -p:ContinuousIntegrationBuild=false");
            Assert.True(File.Exists(Path.Combine(feed, $"Arbloss.Losses.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"Arbloss.Losses.{version}.snupkg")));

            // No repository address unless one is given at pack time: no <repository>, no <projectUrl>.
            var nuspec = Nuspec(Path.Combine(feed, $"Arbloss.Losses.{version}.nupkg"));
            Assert.DoesNotContain(nuspec.Descendants(), e => e.Name.LocalName is "repository" or "projectUrl");
            const string address = "https://git.example.org/arbloss/Arbloss.Losses";
            var withAddress = Path.Combine(_work, "with-address");
            Run(root, $"pack src/Arbloss.Losses/Arbloss.Losses.csproj -c Release --no-build -o \"{withAddress}\" -p:Version={version} -p:ContinuousIntegrationBuild=false -p:ArblossRepositoryUrl={address}");
            var given = Nuspec(Path.Combine(withAddress, $"Arbloss.Losses.{version}.nupkg"));
            Assert.Equal(address, given.Descendants().Single(e => e.Name.LocalName == "projectUrl").Value);
            Assert.Equal(address, given.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url")?.Value);

            var app = NewConsoleApp("app");
            File.WriteAllText(Path.Combine(app, "nuget.config"),
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <add key=\"arbloss-local\" value=\"../arbloss-feed\" />\n  </packageSources>\n</configuration>\n");
            Run(app, $"add package Arbloss.Losses --version {version}");
            Run(app, "add package TorchSharp-cpu --version 0.107.0");
            BuildRunAndCheck(app);

            // The switch turns the step off.
            var offDir = Path.Combine(_work, "off");
            var off = Run(app, $"build -c Release --no-restore -p:ArblossPatchTorchSharpNative=false -o \"{offDir}\"");
            Assert.DoesNotContain("Arbloss.Losses: patched", off);
            Assert.False(IsWeak(Directory.GetFiles(offDir, "libLibTorchSharp.so", SearchOption.AllDirectories).First()));
        }

        [Fact]
        public void ReferencedAsAProjectWithTheOneImportLineItLoadsTorchSharp()
        {
            // The README's steps for a clone: dotnet add reference, the TorchSharp backend, and the one Import line
            // (a ProjectReference does not import a package's buildTransitive targets).
            var root = DotnetCli.RepositoryRoot();
            var app = NewConsoleApp("fromsource");
            Run(app, $"add reference \"{Path.Combine(root, "src", "Arbloss.Losses", "Arbloss.Losses.csproj")}\"");
            Run(app, "add package TorchSharp-cpu --version 0.107.0");
            var project = Path.Combine(app, "fromsource.csproj");
            var targets = Path.Combine(root, "src", "Arbloss.Losses", "buildTransitive", "Arbloss.Losses.targets");
            var text = File.ReadAllText(project);
            File.WriteAllText(project, text.Replace("</Project>", $"  <Import Project=\"{targets}\" />\n</Project>", StringComparison.Ordinal));
            BuildRunAndCheck(app);
        }
    }
}
