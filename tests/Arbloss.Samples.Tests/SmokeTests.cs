using Xunit;

namespace Arbloss.Samples.Tests
{
    public class SmokeTests
    {
        [Fact]
        public void DemoRuns() => Assert.Equal(0, Program.Main(System.Array.Empty<string>()));
    }
}
