using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Tests.Diagnostics
{
    /// <summary>Small random data for the diagnostics tests, reproducible from a seed.</summary>
    internal static class TestData
    {
        public static double[] Normal(Random rng, int n, double scale = 1.0) =>
            Enumerable.Range(0, n).Select(_ => scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();

        public static long[] Labels(Random rng, int n, int classes) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(classes)).ToArray();

        public static Tensor Matrix(double[] values, long rows, long cols, ScalarType dtype = ScalarType.Float64) =>
            tensor(values, new[] { rows, cols }, ScalarType.Float64).to_type(dtype);

        public static Tensor Labels(long[] values) => tensor(values, ScalarType.Int64);

        public static double[] Host(Tensor t)
        {
            using var c = t.detach().to_type(ScalarType.Float64).cpu().contiguous();
            return c.data<double>().ToArray();
        }

        public static long[] HostLong(Tensor t)
        {
            using var c = t.detach().to_type(ScalarType.Int64).cpu().contiguous();
            return c.data<long>().ToArray();
        }

        public static bool[] HostBool(Tensor t) => HostLong(t).Select(v => v != 0).ToArray();

        /// <summary>A random orthogonal [n, n] matrix (QR of a Gaussian matrix).</summary>
        public static Tensor Orthogonal(Random rng, int n)
        {
            using var a = Matrix(Normal(rng, n * n), n, n);
            var (q, _) = linalg.qr(a);
            return q;
        }

        /// <summary>The centred simplex ETF with C unit-norm vertices, as rows of a [C, C] matrix (they span 1^perp).</summary>
        public static Tensor SimplexEtf(int classes)
        {
            using var scope = NewDisposeScope();
            var eye = torch.eye(classes, dtype: ScalarType.Float64);
            var centred = eye.sub(1.0 / classes);
            return centred.mul(Math.Sqrt(classes / (classes - 1.0))).MoveToOuterDisposeScope();
        }

        /// <summary>Splits [0, n) into consecutive batches of random sizes (some possibly empty).</summary>
        public static (int Start, int Length)[] Splits(Random rng, int n)
        {
            var result = new System.Collections.Generic.List<(int, int)>();
            int start = 0;
            while (start < n)
            {
                int len = Math.Min(n - start, rng.Next(0, Math.Max(2, n / 2) + 1));
                result.Add((start, len));
                start += len;
            }
            return result.ToArray();
        }
    }
}
