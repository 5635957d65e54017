using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Arbloss.Samples.Configuration
{
    /// <summary>
    /// Reads training configurations from YAML files with the authors' keys, applies <c>--set key=value</c>
    /// overrides and validates the result. Unknown keys and bad values are <see cref="ConfigException"/>s naming
    /// the key; the authors' keys that change nothing in single-stage training here (<see cref="ConfigKeys.Ignored"/>: distributed
    /// training, stage-2 switches) are accepted and reported as ignored.
    /// </summary>
    public static class ConfigLoader
    {
        private static IConfigVocabulary? _vocabulary;

        /// <summary>The dataset, backbone, loss and sampler names and the rooms' checks; set by the training room when the
        /// program starts (see <c>Training.ConfigVocabularySetup</c>).</summary>
        /// <exception cref="InvalidOperationException">Read before any vocabulary was set.</exception>
        /// <exception cref="ArgumentNullException">Set to null.</exception>
        public static IConfigVocabulary Vocabulary
        {
            get => Volatile.Read(ref _vocabulary) ?? throw new InvalidOperationException("No configuration vocabulary is set: set ConfigLoader.Vocabulary before loading configs.");
            set => Volatile.Write(ref _vocabulary, value ?? throw new ArgumentNullException(nameof(value)));
        }

        /// <summary>Loads a configuration file and applies overrides.</summary>
        /// <param name="path">A YAML file.</param>
        /// <param name="overrides"><c>key=value</c> strings; the value is parsed as YAML (e.g. <c>lr=0.05</c>, <c>head_class_idx=[0,3]</c>).</param>
        /// <returns>The validated configuration.</returns>
        /// <exception cref="ConfigException">The file is missing or unreadable, not YAML, or has an unknown key or bad value.</exception>
        public static TrainingConfig LoadFile(string path, IEnumerable<string>? overrides = null)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ConfigException(null, "No configuration file was given: pass --config FILE.yaml (see the 'configs' command).");
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(null, $"Cannot read the configuration '{path}': {e.Message}", e);
            }
            return Parse(text, path, Path.GetFileNameWithoutExtension(path), overrides);
        }

        /// <summary>Parses configuration text and applies overrides.</summary>
        /// <param name="yaml">The YAML text: one mapping of keys to values.</param>
        /// <param name="source">Where the text came from, for messages.</param>
        /// <param name="defaultName">Run name used when the text has no <c>name</c>.</param>
        /// <param name="overrides"><c>key=value</c> strings applied after the text (<c>--set</c> and trailing pairs); a
        /// mistake in one is a <see cref="ConfigException"/> with <see cref="ConfigException.FromCommandLine"/> set.</param>
        /// <returns>The validated configuration.</returns>
        /// <exception cref="ConfigException">Not YAML, not a mapping, an unknown key, or a bad value.</exception>
        public static TrainingConfig Parse(string yaml, string source, string defaultName = "run", IEnumerable<string>? overrides = null)
        {
            var entries = new List<Entry>();
            var map = ReadMapping(yaml, source, source);
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                    throw new ConfigException(null, $"{source}: line {keyNode.Start.Line}: keys must be plain words.");
                entries.Add(new Entry(key, value, $"{source}: line {keyNode.Start.Line}", false));
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in entries)
                if (!seen.Add(entry.Key)) throw new ConfigException(entry.Key, $"{entry.Where}: '{entry.Key}' appears twice.");

            foreach (var text in overrides ?? Array.Empty<string>())
            {
                int eq = text.IndexOf('=');
                if (eq <= 0) throw new ConfigException(null, $"--set {text}: expected KEY=VALUE, e.g. --set lr=0.05.", null, fromCommandLine: true);
                var key = text[..eq].Trim();
                var valueText = text[(eq + 1)..];
                var where = $"--set {key}={valueText}";
                if (!ConfigKeys.IsKnown(key) && !ConfigKeys.Ignored.Contains(key))
                    throw ConfigKeys.UnknownKey(key, where, fromCommandLine: true);
                var node = ReadMapping($"v: {valueText}", where, null).Children.Single().Value;
                entries.RemoveAll(e => e.Key == key);
                entries.Add(new Entry(key, node, where, true));
            }
            var typed = entries.Where(e => e.FromCommandLine).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            try
            {
                return Build(entries, source, defaultName);
            }
            catch (ConfigException e) when (!e.FromCommandLine && e.Key is not null && typed.Contains(e.Key))
            {
                // The key at fault was typed on the command line: the mistake is the command line's.
                throw new ConfigException(e.Key, e.Message, e.InnerException, fromCommandLine: true);
            }
        }

        /// <summary>One key of a config: its value, where it came from (file and line, or the override as typed) and
        /// whether that was the command line.</summary>
        private readonly record struct Entry(string Key, YamlNode Value, string Where, bool FromCommandLine);

        /// <param name="yaml">The text.</param>
        /// <param name="source">Where it came from, for messages.</param>
        /// <param name="file">The file, for messages with a line number; null for an override typed on the command line.</param>
        private static YamlMappingNode ReadMapping(string yaml, string source, string? file)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException e)
            {
                throw file is null
                    ? new ConfigException(null, $"{source}: not a valid YAML value: {e.Message}", e, fromCommandLine: true)
                    : new ConfigException(null, $"{source}: line {e.Start.Line}: not valid YAML: {e.Message}", e);
            }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
                throw file is null
                    ? new ConfigException(null, $"{source}: expected one value.", null, fromCommandLine: true)
                    : new ConfigException(null, $"{source}: expected a mapping of keys to values (key: value per line).");
            return map;
        }

        private static TrainingConfig Build(List<Entry> entries, string source, string defaultName)
        {
            var cfg = new TrainingConfig { Name = defaultName, Source = source };
            var set = new HashSet<string>(StringComparer.Ordinal);
            var ignored = new List<string>();
            string whereOf(string key) => entries.FirstOrDefault(e => e.Key == key).Where ?? source;
            bool typed(string key) => entries.Any(e => e.Key == key && e.FromCommandLine);

            // dataset first: its defaults (classes, backbone) apply unless the file says otherwise.
            var datasetEntry = entries.FirstOrDefault(e => e.Key == "dataset");
            if (datasetEntry.Key is not null)
            {
                var v = new ConfigValue(datasetEntry.Key, datasetEntry.Value, datasetEntry.Where, datasetEntry.FromCommandLine);
                var name = Vocabulary.CanonicalDataset(v.String(allowEmpty: false));
                if (Vocabulary.FindDataset(name) is not DatasetFacts provider)
                    throw v.Error($"unknown dataset '{name}'; known: {string.Join(", ", Vocabulary.DatasetNames)}.");
                cfg = cfg with { Dataset = name, NumClasses = provider.DefaultNumClasses, Backbone = provider.DefaultBackbone, DataPath = "" };
            }
            else
            {
                throw new ConfigException("dataset", $"{source}: the key 'dataset' is required (one of {string.Join(", ", Vocabulary.DatasetNames)}).");
            }

            foreach (var (key, node, where, fromCommandLine) in entries)
            {
                if (ConfigKeys.Ignored.Contains(key)) { ignored.Add(key); continue; }
                if (!ConfigKeys.IsKnown(key)) throw ConfigKeys.UnknownKey(key, where, fromCommandLine);
                set.Add(key);
                var v = new ConfigValue(key, node, where, fromCommandLine);
                cfg = key switch
                {
                    "dataset" => cfg,
                    "name" => cfg with { Name = CheckName(v) },
                    "data_path" => cfg with { DataPath = v.String(allowEmpty: true) },
                    "num_classes" => cfg with { NumClasses = (int)v.Integer(2, 1_000_000) },
                    "imb_factor" => cfg with { ImbFactor = v.IsNull ? null : v.Number(0, 1, minExclusive: true) },
                    "imb_profile" => cfg with { ImbProfile = v.OneOf("exp", "step", "uniform") },
                    "backbone" => cfg with { Backbone = Vocabulary.UnsupportedBackbone(v.String(allowEmpty: false).Trim()) is string why ? throw v.Error(why) : v.OneOf(Vocabulary.BackboneNames.ToArray()) },
                    "resume" => cfg with { Resume = v.String(allowEmpty: true) },
                    "head_class_idx" => cfg with { HeadClassIdx = v.Range() },
                    "med_class_idx" => cfg with { MedClassIdx = v.Range() },
                    "tail_class_idx" => cfg with { TailClassIdx = v.Range() },
                    "lr" => cfg with { Lr = v.Number(0, 100, minExclusive: true) },
                    "batch_size" => cfg with { BatchSize = (int)v.Integer(1, 1 << 20) },
                    "weight_decay" => cfg with { WeightDecay = v.Number(0, 1) },
                    "num_epochs" => cfg with { NumEpochs = (int)v.Integer(1, 100_000) },
                    "momentum" => cfg with { Momentum = v.Number(0, 1, maxExclusive: true) },
                    "cos" => cfg with { Cos = v.Bool() },
                    "warmup_epochs" => cfg with { WarmupEpochs = (int)v.Integer(0, 100_000) },
                    "lr_steps" => cfg with { LrSteps = v.IntegerList(1, 100_000) },
                    "mixup" => cfg with { Mixup = v.Bool() },
                    "alpha" => cfg with { Alpha = v.Number(0, 1000, minExclusive: true) },
                    "arbloss" => cfg with { ArbLoss = v.Bool() },
                    "arb_loss_use_global_class_cnt" => cfg with { ArbLossUseGlobalClassCnt = v.Bool() },
                    "arbloss_fl" => cfg with { ArbLossFl = v.Bool() },
                    "warbloss" => cfg with { WArbLoss = v.Bool() },
                    "LAS" => cfg with { Las = v.Bool() },
                    "smooth_head" => cfg with { SmoothHead = v.IsNull ? null : v.Number(0, 1, maxExclusive: true) },
                    "smooth_tail" => cfg with { SmoothTail = v.IsNull ? null : v.Number(0, 1, maxExclusive: true) },
                    "not_pretrained" => cfg with { NotPretrained = v.Bool() },
                    "loss" => cfg with { Loss = v.OneOf(Vocabulary.LossNames.Concat(new[] { "arb" }).ToArray()) },
                    "loss_options" => cfg with { LossOptions = v.NumberMap() },
                    "sampler" => cfg with { Sampler = v.OneOf(Vocabulary.SamplerNames.ToArray()) },
                    "seed" => cfg with { Seed = v.Integer(0, int.MaxValue) },
                    "deterministic" => cfg with { Deterministic = v.Bool() },
                    "workers" => cfg with { Workers = (int)v.Integer(0, 256) },
                    "print_freq" => cfg with { PrintFreq = (int)v.Integer(1, int.MaxValue) },
                    "log_dir" => cfg with { LogDir = v.String(allowEmpty: false) },
                    "model_dir" => cfg with { ModelDir = v.String(allowEmpty: false) },
                    "gradient_balance" => cfg with { GradientBalance = v.Bool() },
                    "image_root" => cfg with { ImageRoot = v.String(allowEmpty: true) },
                    "image_size" => cfg with { ImageSize = (int)v.Integer(8, 4096) },
                    "train_scenes" => cfg with { TrainScenes = (int)v.Integer(1, 1 << 22) },
                    "test_scenes" => cfg with { TestScenes = (int)v.Integer(1, 1 << 22) },
                    "pretrained" => cfg with { Pretrained = v.String(allowEmpty: true) },
                    "freeze_backbone" => cfg with { FreezeBackbone = v.Bool() },
                    "bf16" => cfg with { Bf16 = v.Bool() },
                    "accumulation_steps" => cfg with { AccumulationSteps = (int)v.Integer(1, 1 << 20) },
                    _ => throw ConfigKeys.UnknownKey(key, where, fromCommandLine),
                };
            }

            // Defaults that depend on other keys.
            if (!set.Contains("warmup_epochs")) cfg = cfg with { WarmupEpochs = cfg.Cos ? 0 : 5 };
            cfg = LossSwitches.Resolve(cfg, set.Contains("loss"), whereOf, typed) with
            {
                IgnoredKeys = ignored,
                Origins = entries.ToDictionary(e => e.Key, e => e.Where, StringComparer.Ordinal),
                TypedKeys = entries.Where(e => e.FromCommandLine).Select(e => e.Key).ToArray(),
            };

            ConfigChecks.Validate(cfg, set, source, whereOf);
            return cfg;
        }

        private static string CheckName(ConfigValue v)
        {
            var name = v.String(allowEmpty: false);
            if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
                throw v.Error($"'{name}' cannot be a folder name; use letters, digits, '-', '_' and '.'.");
            return name;
        }

    }
}
