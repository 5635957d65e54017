using System;
using System.Linq;
using Arbloss.Losses.Sampling;
using Xunit;

namespace Arbloss.Losses.Tests.Sampling
{
    public class ProgressivelyBalancedSamplerTests
    {
        private static readonly long[] Counts = { 300, 90, 30, 0, 10 };

        [Fact]
        public void InterpolatesFromInstanceToClassBalanced()
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ProgressivelyBalancedSampler(labels, totalEpochs: 10);
            double n = Counts.Sum();
            var instance = Counts.Select(c => c / n).ToArray();
            var balanced = Counts.Select(c => c > 0 ? 0.25 : 0).ToArray();
            Numerics.AssertClose(instance, sampler.ClassProbabilities(0), 1e-15, 1e-15, "epoch 0");
            Numerics.AssertClose(balanced, sampler.ClassProbabilities(10), 1e-15, 1e-15, "epoch T");
            Numerics.AssertClose(balanced, sampler.ClassProbabilities(25), 1e-15, 1e-15, "after T");
            var mid = instance.Zip(balanced, (a, b) => 0.7 * a + 0.3 * b).ToArray();
            Numerics.AssertClose(mid, sampler.ClassProbabilities(3), 1e-14, 1e-15, "epoch 3");
            Assert.Equal(0.3, sampler.Progress(3), 15);
            Assert.Equal(labels.Length, sampler.Count);
        }

        [Fact]
        public void EmpiricalDistributionFollowsTheSchedule()
        {
            var labels = Stats.Labels(Counts);
            var sampler = new ProgressivelyBalancedSampler(labels, totalEpochs: 8, numSamples: 30_000, seed: 6);
            foreach (var epoch in new[] { 0, 2, 5, 8 })
            {
                sampler.SetEpoch(epoch);
                var h = Stats.ClassHistogram(sampler, labels, Counts.Length);
                Stats.AssertFits(h, sampler.ClassProbabilities(epoch), $"epoch {epoch}");
            }
        }

        [Fact]
        public void DeterministicAndShardable()
        {
            var labels = Stats.Labels(Counts);
            var a = new ProgressivelyBalancedSampler(labels, 5, seed: 1);
            a.SetEpoch(2);
            var whole = a.ToArray();
            Assert.Equal(whole, a.ToArray());
            var r0 = new ProgressivelyBalancedSampler(labels, 5, seed: 1);
            var r1 = new ProgressivelyBalancedSampler(labels, 5, seed: 1);
            r0.SetEpoch(2);
            r1.SetEpoch(2);
            r0.SetShard(0, 2);
            r1.SetShard(1, 2);
            Assert.Equal(r0.Count, r1.Count);
            Assert.Equal(whole, r0.Concat(r1).Take(whole.Length));
        }

        [Fact]
        public void BadArgumentsThrow()
        {
            Assert.Throws<ArgumentOutOfRangeException>("totalEpochs", () => new ProgressivelyBalancedSampler(new long[] { 0 }, 0));
            Assert.Throws<ArgumentOutOfRangeException>("numSamples", () => new ProgressivelyBalancedSampler(new long[] { 0 }, 1, -5));
            Assert.Throws<ArgumentNullException>("labels", () => new ProgressivelyBalancedSampler(null!, 1));
            Assert.Throws<ArgumentOutOfRangeException>("epoch", () => new ProgressivelyBalancedSampler(new long[] { 0 }, 1).ClassProbabilities(-1));
        }
    }
}
