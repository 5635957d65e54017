using Xunit;

namespace Arbloss.Samples.Tests.Support
{
    /// <summary>
    /// Tests that seed or draw from TorchSharp's global generator (model initialisation, randn, training runs) run one
    /// at a time, so that a concurrently running test cannot shift another's random stream.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class TorchRngCollection
    {
        public const string Name = "torch global generator";
    }
}
