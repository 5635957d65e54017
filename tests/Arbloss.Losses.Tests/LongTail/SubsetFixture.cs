using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Arbloss.Losses.Tests.LongTail
{
    /// <summary>
    /// Fixtures/long_tail_subset_cases.json, written by Fixtures/make_subset_fixtures.py with numpy
    /// (see Fixtures/long_tail_subset_cases.README.md).
    /// </summary>
    internal static class SubsetFixture
    {
        internal sealed record RawCase(uint Seed, uint[] Values);

        internal sealed record SubsetCase(
            string Name, int Classes, int PerClass, double? ImbFactor, int Seed, long[] Counts,
            long Length, ulong Hash, long[][] FirstPerClass, long[]? Indices);

        private static readonly Lazy<JsonDocument> Doc = new(() =>
            JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "long_tail_subset_cases.json"))));

        private static JsonElement Root => Doc.Value.RootElement;

        internal static string NumpyVersion => Root.GetProperty("numpy_version").GetString()!;

        internal static IReadOnlyList<RawCase> Raw =>
            Root.GetProperty("raw").EnumerateArray()
                .Select(e => new RawCase(e.GetProperty("seed").GetUInt32(), UInts(e.GetProperty("values"))))
                .ToArray();

        internal static (uint Seed, int Skip, uint[] Values) RawAfterFirstBlock
        {
            get
            {
                var e = Root.GetProperty("raw_after_first_block");
                return (e.GetProperty("seed").GetUInt32(), e.GetProperty("skip").GetInt32(), UInts(e.GetProperty("values")));
            }
        }

        internal static (uint Seed, uint[] Max, uint[] Values) Bounded
        {
            get
            {
                var e = Root.GetProperty("bounded");
                return (e.GetProperty("seed").GetUInt32(), UInts(e.GetProperty("max")), UInts(e.GetProperty("values")));
            }
        }

        internal static (uint Seed, long[] Values) Shuffle
        {
            get
            {
                var e = Root.GetProperty("shuffle");
                var values = Longs(e.GetProperty("values"));
                if (values.Length != e.GetProperty("n").GetInt32()) throw new InvalidDataException("shuffle: n does not match values");
                return (e.GetProperty("seed").GetUInt32(), values);
            }
        }

        internal static IReadOnlyList<SubsetCase> Cases =>
            Root.GetProperty("cases").EnumerateArray().Select(e => new SubsetCase(
                e.GetProperty("name").GetString()!,
                e.GetProperty("classes").GetInt32(),
                e.GetProperty("per_class").GetInt32(),
                e.GetProperty("imb_factor").ValueKind == JsonValueKind.Null ? null : e.GetProperty("imb_factor").GetDouble(),
                e.GetProperty("seed").GetInt32(),
                Longs(e.GetProperty("counts")),
                e.GetProperty("length").GetInt64(),
                ulong.Parse(e.GetProperty("hash").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                e.GetProperty("first_per_class").EnumerateArray().Select(Longs).ToArray(),
                e.TryGetProperty("indices", out var ix) ? Longs(ix) : null)).ToArray();

        internal static SubsetCase Case(string name) => Cases.Single(c => c.Name == name);

        /// <summary>The fixture's label array: block b of C items holds the classes cyclically shifted by
        /// ((b * 2654435761) mod 2^32) &gt;&gt; 16, so every class has exactly perClass items.</summary>
        internal static long[] Labels(int classes, int perClass)
        {
            var labels = new long[(long)classes * perClass];
            for (long i = 0; i < labels.Length; i++)
            {
                ulong b = (ulong)(i / classes);
                ulong h = unchecked(b * 2654435761UL) & 0xFFFFFFFFUL;
                labels[i] = (long)(((ulong)(i % classes) + (h >> 16)) % (ulong)classes);
            }
            return labels;
        }

        /// <summary>The fixture's order-sensitive hash: h = (h * 1000003 + index + 1) mod (2^61 - 1), from h = 0.</summary>
        internal static ulong Hash(IEnumerable<long> indices)
        {
            const ulong mod = (1UL << 61) - 1;
            ulong h = 0;
            foreach (var v in indices)
                h = (ulong)(((UInt128)h * 1000003UL + (UInt128)(ulong)v + 1) % mod);
            return h;
        }

        private static uint[] UInts(JsonElement a) => a.EnumerateArray().Select(x => x.GetUInt32()).ToArray();

        private static long[] Longs(JsonElement a) => a.EnumerateArray().Select(x => x.GetInt64()).ToArray();
    }
}
