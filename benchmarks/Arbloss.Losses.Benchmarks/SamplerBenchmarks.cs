using System;
using System.Collections.Generic;
using Arbloss.Losses.Sampling;
using BenchmarkDotNet.Attributes;
using TorchSharp.Utils;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// One epoch of each long-tail sampler on iNaturalist-2018-size labels (437,513 items, 8,142 classes, largest class
    /// 1,000, smallest 2; a power-law profile with those totals), per index. Baselines: TorchSharp's own
    /// <see cref="FisherYatesShuffler"/> (what <c>DataLoader(shuffle: true)</c> uses) and a plain array Fisher-Yates
    /// shuffle with <see cref="Random"/>, both enumerated through <see cref="IEnumerable{T}"/> as a DataLoader does.
    /// </summary>
    [ShortRunJob]
    [MemoryDiagnoser]
    public class SamplerBenchmarks
    {
        public const int Items = 437_513;
        public const int Classes = 8_142;
        public const int LargestClass = 1_000;
        public const int ClassAwareEpoch = LargestClass * Classes;

        private long[] _labels = Array.Empty<long>();
        private ClassAwareSampler _classAware = null!;
        private ClassWeightedSampler _inverse = null!, _effective = null!, _squareRoot = null!;
        private ProgressivelyBalancedSampler _progressive = null!;
        private FisherYatesShuffler _torchSharpShuffle = null!;

        /// <summary>iNaturalist-2018-like labels: n_i = max(2, floor(1000 (i + 1)^-p)) with p fitted to 437,513 items.</summary>
        internal static long[] NaturalistLikeLabels()
        {
            static long[] Counts(double p)
            {
                var c = new long[Classes];
                for (int i = 0; i < Classes; i++) c[i] = Math.Max(2, (long)(LargestClass * Math.Pow(i + 1, -p)));
                return c;
            }
            static long Sum(long[] c) { long s = 0; foreach (var v in c) s += v; return s; }
            double lo = 0.01, hi = 3;
            for (int k = 0; k < 60; k++)
            {
                double mid = (lo + hi) / 2;
                if (Sum(Counts(mid)) > Items) lo = mid; else hi = mid;
            }
            var counts = Counts(hi);
            // Close the (tiny) remaining gap on the middle classes so the total is exact.
            long gap = Items - Sum(counts);
            for (int i = Classes / 2; gap != 0; i++, gap -= Math.Sign(gap)) counts[i] += Math.Sign(gap);
            var labels = new long[Items];
            int at = 0;
            for (int c = 0; c < Classes; c++) for (long j = 0; j < counts[c]; j++) labels[at++] = c;
            new Random(1).Shuffle(labels);
            return labels;
        }

        [GlobalSetup]
        public void Setup()
        {
            _labels = NaturalistLikeLabels();
            _classAware = new ClassAwareSampler(_labels, 4, seed: 1);
            _inverse = ClassWeightedSampler.InverseFrequency(_labels, seed: 1);
            _effective = ClassWeightedSampler.EffectiveNumber(_labels, seed: 1);
            _squareRoot = ClassWeightedSampler.SquareRootFrequency(_labels, seed: 1);
            _progressive = new ProgressivelyBalancedSampler(_labels, totalEpochs: 90, seed: 1);
            _progressive.SetEpoch(45);
            _torchSharpShuffle = new FisherYatesShuffler(Items, 1);
            if (_classAware.Count != ClassAwareEpoch || _inverse.Count != Items || _progressive.Count != Items)
                throw new InvalidOperationException("Unexpected epoch lengths for the benchmark labels.");
        }

        private static long Drain(IEnumerable<long> sampler)
        {
            long checksum = 0;
            foreach (var index in sampler) checksum += index;
            return checksum;
        }

        private static IEnumerable<long> ArrayShuffle(int n, int seed)
        {
            var perm = new long[n];
            for (int i = 0; i < n; i++) perm[i] = i;
            new Random(seed).Shuffle(perm);
            foreach (var v in perm) yield return v;
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "TorchSharp FisherYatesShuffler (per index)")]
        public long TorchSharpShuffle() => Drain(_torchSharpShuffle);

        [Benchmark(OperationsPerInvoke = Items, Description = "Array Fisher-Yates, System.Random (per index)")]
        public long ArrayFisherYates() => Drain(ArrayShuffle(Items, 1));

        [Benchmark(OperationsPerInvoke = ClassAwareEpoch, Description = "ClassAwareSampler (per index)")]
        public long ClassAware() => Drain(_classAware);

        [Benchmark(OperationsPerInvoke = Items, Description = "ClassWeightedSampler.InverseFrequency (per index)")]
        public long InverseFrequency() => Drain(_inverse);

        [Benchmark(OperationsPerInvoke = Items, Description = "ClassWeightedSampler.EffectiveNumber (per index)")]
        public long EffectiveNumber() => Drain(_effective);

        [Benchmark(OperationsPerInvoke = Items, Description = "ClassWeightedSampler.SquareRootFrequency (per index)")]
        public long SquareRootFrequency() => Drain(_squareRoot);

        [Benchmark(OperationsPerInvoke = Items, Description = "ProgressivelyBalancedSampler, epoch 45 of 90 (per index)")]
        public long ProgressivelyBalanced() => Drain(_progressive);

        [Benchmark(OperationsPerInvoke = Items, Description = "new ClassAwareSampler(labels) (per item)")]
        public int BuildClassAware() => new ClassAwareSampler(_labels).NonEmptyClasses;
    }
}
