using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace Arbloss.Samples.Configuration
{
    /// <summary>One key's YAML value, with typed readers that fail with a message naming the key once: after the file
    /// and line (<c>x.yaml: line 3: 'lr': ...</c>), or as typed (<c>--set lr=abc: ...</c>).</summary>
    internal readonly struct ConfigValue
    {
        private readonly string _key;
        private readonly YamlNode _node;
        private readonly string _where;
        private readonly bool _fromCommandLine;

        /// <param name="key">The key.</param>
        /// <param name="node">Its value.</param>
        /// <param name="where">A file and line, or the override as typed (<c>--set key=value</c>), which names the key already.</param>
        /// <param name="fromCommandLine">Whether <paramref name="where"/> is an override typed on the command line.</param>
        public ConfigValue(string key, YamlNode node, string where, bool fromCommandLine = false)
        {
            _key = key;
            _node = node;
            _where = where;
            _fromCommandLine = fromCommandLine;
        }

        public ConfigException Error(string problem) =>
            new(_key, _fromCommandLine ? $"{_where}: {problem}" : $"{_where}: '{_key}': {problem}", null, _fromCommandLine);

        private string Scalar(string expected)
        {
            if (_node is YamlScalarNode s) return s.Value ?? "";
            throw Error($"expected {expected}, got a {(_node is YamlSequenceNode ? "list" : "mapping")}.");
        }

        /// <summary>Whether the value is YAML null (<c>null</c>, <c>~</c>, empty) or Python's <c>None</c>.</summary>
        public bool IsNull => _node is YamlScalarNode s && IsNullScalar(s);

        private static bool IsNullScalar(YamlScalarNode s) =>
            s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null or "" or "~" or "null" or "Null" or "NULL" or "None");

        public string String(bool allowEmpty)
        {
            var text = IsNull ? "" : Scalar("text");
            if (!allowEmpty && string.IsNullOrWhiteSpace(text)) throw Error("must not be empty.");
            return text;
        }

        public string OneOf(params string[] allowed)
        {
            var text = Scalar("one of " + string.Join(", ", allowed)).Trim();
            if (!allowed.Contains(text, StringComparer.Ordinal))
                throw Error($"'{text}' is not one of {string.Join(", ", allowed)}.");
            return text;
        }

        public bool Bool()
        {
            var text = Scalar("true or false").Trim();
            switch (text.ToLowerInvariant())
            {
                case "true": case "yes": case "on": return true;
                case "false": case "no": case "off": return false;
                default: throw Error($"expected true or false, got '{text}'.");
            }
        }

        public double Number(double min, double max, bool minExclusive = false, bool maxExclusive = false)
        {
            var text = Scalar("a number").Trim();
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
                throw Error($"expected a number, got '{text}'.");
            bool below = minExclusive ? x <= min : x < min;
            bool above = maxExclusive ? x >= max : x > max;
            if (below || above)
                throw Error($"{text} is out of range {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}{(maxExclusive ? ")" : "]")}.");
            return x;
        }

        public long Integer(long min, long max) => ParseInteger(Scalar("a whole number").Trim(), min, max);

        private long ParseInteger(string text, long min, long max)
        {
            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x))
                throw Error($"expected a whole number, got '{text}'.");
            if (x < min || x > max) throw Error($"{x} is out of range [{min}, {max}].");
            return x;
        }

        public IReadOnlyList<int> IntegerList(long min, long max)
        {
            if (_node is not YamlSequenceNode seq) throw Error("expected a list of whole numbers, e.g. [160, 240].");
            var list = new List<int>();
            foreach (var item in seq.Children)
            {
                if (item is not YamlScalarNode s) throw Error("expected a list of whole numbers, e.g. [160, 240].");
                list.Add((int)ParseInteger((s.Value ?? "").Trim(), min, max));
            }
            for (int i = 1; i < list.Count; i++)
                if (list[i] <= list[i - 1]) throw Error("the values must increase.");
            return list;
        }

        public ClassRange Range()
        {
            if (_node is not YamlSequenceNode { Children.Count: 2 } seq || seq.Children.Any(c => c is not YamlScalarNode))
                throw Error("expected [start, end] with two class indices, e.g. [0, 3].");
            var a = ParseInteger(((YamlScalarNode)seq.Children[0]).Value ?? "", 0, int.MaxValue);
            var b = ParseInteger(((YamlScalarNode)seq.Children[1]).Value ?? "", 0, int.MaxValue);
            if (b < a) throw Error($"[{a}, {b}] is reversed: the end must be at least the start.");
            return new ClassRange((int)a, (int)b);
        }

        public IReadOnlyDictionary<string, double> NumberMap()
        {
            if (IsNull) return new Dictionary<string, double>();
            if (_node is not YamlMappingNode map) throw Error("expected a mapping of option names to numbers, e.g. {gamma: 2.0}.");
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Children)
            {
                if (k is not YamlScalarNode { Value: { } name } || v is not YamlScalarNode { Value: { } text })
                    throw Error("expected a mapping of option names to numbers, e.g. {gamma: 2.0}.");
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
                    throw Error($"option '{name}': expected a number, got '{text}'.");
                result[name] = x;
            }
            return result;
        }
    }
}
