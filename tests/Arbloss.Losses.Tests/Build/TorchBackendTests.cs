using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace Arbloss.Losses.Tests.Build
{
    /// <summary>
    /// <c>-p:TorchBackend=cpu|cuda-linux|cuda-windows</c> picks the one native TorchSharp backend every runnable project
    /// of the solution references, so a CUDA build never puts CPU and CUDA natives in one output. Read from MSBuild's
    /// evaluation of each project (<c>dotnet msbuild -getItem:PackageReference</c>: no restore, no download), since the
    /// CUDA packages cannot be restored here.
    /// </summary>
    [Trait("Category", "Packaging")]
    public class TorchBackendTests
    {
        private static readonly string[] BackendPackages = { "TorchSharp-cpu", "TorchSharp-cuda-linux", "TorchSharp-cuda-windows" };

        /// <summary>The projects that produce an output with TorchSharp's natives in it.</summary>
        private static readonly string[] RunnableProjects =
        {
            "src/Arbloss.Samples/Arbloss.Samples.csproj",
            "tests/Arbloss.Losses.Tests/Arbloss.Losses.Tests.csproj",
            "tests/Arbloss.Samples.Tests/Arbloss.Samples.Tests.csproj",
            "benchmarks/Arbloss.Losses.Benchmarks/Arbloss.Losses.Benchmarks.csproj",
        };

        /// <summary>The PackageReference identities of a project as MSBuild evaluates it with the given backend (null: none given).</summary>
        private static string[] PackageReferences(string project, string? backend)
        {
            var root = DotnetCli.RepositoryRoot();
            var arguments = $"msbuild \"{Path.Combine(root, project)}\" -getItem:PackageReference -nologo";
            if (backend is not null) arguments += $" -p:TorchBackend={backend}";
            var (exitCode, stdout, stderr) = DotnetCli.Run(root, arguments, 120);
            Assert.True(exitCode == 0, $"dotnet {arguments} exited with {exitCode}:\n{stdout}{stderr}");
            using var json = JsonDocument.Parse(stdout);
            return json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
                .Select(item => item.GetProperty("Identity").GetString()!)
                .ToArray();
        }

        [Theory]
        [InlineData(null, "TorchSharp-cpu")]
        [InlineData("cpu", "TorchSharp-cpu")]
        [InlineData("cuda-linux", "TorchSharp-cuda-linux")]
        [InlineData("cuda-windows", "TorchSharp-cuda-windows")]
        public void EveryRunnableProjectReferencesExactlyTheChosenBackend(string? backend, string expected)
        {
            foreach (var project in RunnableProjects)
            {
                var backends = PackageReferences(project, backend).Where(BackendPackages.Contains).ToArray();
                Assert.True(backends.SequenceEqual(new[] { expected }),
                    $"{project} with TorchBackend={backend ?? "(default)"} references [{string.Join(", ", backends)}]; expected only {expected}.");
            }
        }

        [Theory]
        [InlineData(null)]
        [InlineData("cuda-linux")]
        public void ThePackageReferencesNoNativeBackend(string? backend)
        {
            var references = PackageReferences("src/Arbloss.Losses/Arbloss.Losses.csproj", backend);
            Assert.Contains("TorchSharp", references);
            Assert.DoesNotContain(references, BackendPackages.Contains);
        }
    }
}
