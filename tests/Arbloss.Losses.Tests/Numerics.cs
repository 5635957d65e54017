using System;
using Xunit;

namespace Arbloss.Losses.Tests
{
    internal static class Numerics
    {
        /// <summary>|actual - expected| &lt;= rel * |expected| + abs, element-wise, with a message naming the first failure.</summary>
        public static void AssertClose(double[] expected, double[] actual, double rel, double abs, string what)
        {
            Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
            for (int i = 0; i < expected.Length; i++)
            {
                double tol = rel * Math.Abs(expected[i]) + abs;
                if (!(Math.Abs(actual[i] - expected[i]) <= tol))
                    Assert.Fail($"{what}[{i}]: {actual[i]:R} vs expected {expected[i]:R} (tolerance {tol:E2})");
            }
        }
    }
}
