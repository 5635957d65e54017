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
    /// the key; the authors' keys that change nothing in single-stage training here (<see cref="IgnoredKeys"/>: distributed
    /// training, stage-2 switches) are accepted and reported as ignored.
    /// </summary>
    public static class ConfigLoader
    {
        /// <summary>The authors' keys (their <c>utils/logger.py</c> defaults) that have no effect on single-stage training
        /// here: multi-process GPU training (<c>gpu</c>, <c>world_size</c>, <c>rank</c>, <c>dist_url</c>, <c>dist_backend</c>,
        /// <c>multiprocessing_distributed</c>, <c>distributed</c>) and the stage-2 switches (<c>mode</c>, <c>shift_bn</c>,
        /// <c>lr_factor</c>, <c>train_stage2_instance</c>).</summary>
        public static IReadOnlyList<string> IgnoredKeys { get; } = new[]
        {
            "gpu", "world_size", "rank", "dist_url", "dist_backend", "multiprocessing_distributed", "distributed", "mode",
            "shift_bn", "lr_factor", "train_stage2_instance",
        };

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

        /// <summary>Every key a configuration may hold, with a one-line description (in file order of a typical config).</summary>
        public static IReadOnlyList<(string Key, string Description)> Keys => new (string, string)[]
        {
            ("name", "run name; the output folder is log_dir/name (default: the file name)"),
            ("dataset", "fashion-mnist | cifar10 | cifar100 | synthetic (or a registered dataset)"),
            ("data_path", "folder with the dataset files (downloaded there when absent); empty: the dataset's default places"),
            ("num_classes", "number of classes (must match the dataset)"),
            ("imb_factor", "smallest / largest class size of the long-tailed training subset, in (0, 1]; null: the training set as it is"),
            ("imb_profile", "exp (default) | step | uniform: shape of the long-tailed subset"),
            ("backbone", "model: " + string.Join(" | ", Vocabulary.BackboneNames)),
            ("resume", "checkpoint to continue from (empty: start afresh)"),
            ("head_class_idx", "[start, end) classes reported as 'many' (omit all three to group by training count)"),
            ("med_class_idx", "[start, end) classes reported as 'medium'"),
            ("tail_class_idx", "[start, end) classes reported as 'few'"),
            ("lr", "base learning rate"),
            ("batch_size", "training batch size"),
            ("weight_decay", "SGD weight decay"),
            ("num_epochs", "training epochs"),
            ("momentum", "SGD momentum, in [0, 1)"),
            ("cos", "true: cosine schedule; false: linear warm-up then x0.1 steps at lr_steps"),
            ("warmup_epochs", "linear warm-up epochs (default 5 with steps, 0 with cos)"),
            ("lr_steps", "epochs after which the step schedule multiplies the rate by 0.1 (default [160, 240])"),
            ("mixup", "train on mixed input pairs"),
            ("alpha", "mixup Beta(alpha, alpha) parameter"),
            ("arbloss", "true: ARB-Loss (the authors' switch)"),
            ("arb_loss_use_global_class_cnt", "ARB-Loss (and its variants) with training-set counts instead of batch counts"),
            ("arbloss_fl", "true: focal ARB-Loss, -(1 - p_y)^2 log p_y with the ARB probability (after LAS and arbloss)"),
            ("warbloss", "true: weighted ARB-Loss, per-sample weight mean(n) / n_y (after LAS, arbloss and arbloss_fl)"),
            ("LAS", "true: label-aware smoothing (MiSLAS) with smooth_head / smooth_tail; on ARB-adjusted logits with arbloss"),
            ("smooth_head", "LAS: smoothing of the largest class, in [0, 1)"),
            ("smooth_tail", "LAS: smoothing of the smallest class, in [0, 1)"),
            ("not_pretrained", "true: start the authors' Places-LT backbone (resnet50_fe) from random weights"),
            ("loss", "loss by name: " + string.Join(" | ", Vocabulary.LossNames) + " (default: from the authors' switches)"),
            ("loss_options", "numeric options of the loss, e.g. {gamma: 2.0}"),
            ("sampler", "training order: " + string.Join(" | ", Vocabulary.SamplerNames)),
            ("seed", "seed for the subset, data order, augmentation, mixup and initialisation"),
            ("deterministic", "runs are always seeded; true also turns TF32 off on CUDA"),
            ("workers", "threads building batches in parallel"),
            ("print_freq", "batches between progress lines in non-interactive output"),
            ("log_dir", "parent folder of the run's output folder"),
            ("model_dir", "checkpoint folder, relative to the output folder"),
            ("gradient_balance", "accumulate the attraction / repulsion gradient-norm matrix each epoch"),
            ("image_root", "list-file datasets: folder the list's image paths are relative to (empty: data_path)"),
            ("image_size", "list-file datasets: side of the square crops (default 224, the authors'); smaller for tests/debugging only"),
            ("pretrained", "resnet50 | resnet152: ImageNet state_dict (.pth or safetensors) to start from, classifier excluded"),
            ("freeze_backbone", "resnet50 | resnet152: train only the last Bottleneck block and the classifier (Places-LT)"),
            ("bf16", "resnet50 | resnet152: backbone convolutions in bfloat16, classifier and loss in float32"),
            ("accumulation_steps", "micro-batches per optimiser step; batch_size stays the effective batch (default 1)"),
        };

        private static readonly Lazy<HashSet<string>> KnownKeySet = new(() => new HashSet<string>(Keys.Select(k => k.Key), StringComparer.Ordinal));

        private static HashSet<string> KnownKeys => KnownKeySet.Value;

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
        /// <param name="overrides"><c>key=value</c> strings applied after the text.</param>
        /// <returns>The validated configuration.</returns>
        /// <exception cref="ConfigException">Not YAML, not a mapping, an unknown key, or a bad value.</exception>
        public static TrainingConfig Parse(string yaml, string source, string defaultName = "run", IEnumerable<string>? overrides = null)
        {
            var entries = new List<(string Key, YamlNode Value, string Where)>();
            var map = ReadMapping(yaml, source);
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                    throw new ConfigException(null, $"{source}: line {keyNode.Start.Line}: keys must be plain words.");
                entries.Add((key, value, $"{source}: line {keyNode.Start.Line}"));
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, _, where) in entries)
                if (!seen.Add(key)) throw new ConfigException(key, $"{where}: '{key}' appears twice.");

            foreach (var text in overrides ?? Array.Empty<string>())
            {
                int eq = text.IndexOf('=');
                if (eq <= 0) throw new ConfigException(null, $"--set '{text}': expected key=value, e.g. --set lr=0.05.");
                var key = text[..eq].Trim();
                var valueText = text[(eq + 1)..];
                var where = $"--set {key}";
                if (!KnownKeys.Contains(key) && !IgnoredKeys.Contains(key))
                    throw UnknownKey(key, where);
                var node = ReadMapping($"v: {valueText}", where).Children.Single().Value;
                entries.RemoveAll(e => e.Key == key);
                entries.Add((key, node, where));
            }
            return Build(entries, source, defaultName);
        }

        private static YamlMappingNode ReadMapping(string yaml, string source)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException e)
            {
                throw new ConfigException(null, $"{source}: line {e.Start.Line}: not valid YAML: {e.Message}", e);
            }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
                throw new ConfigException(null, $"{source}: expected a mapping of keys to values (key: value per line).");
            return map;
        }

        private static ConfigException UnknownKey(string key, string where)
        {
            var close = KnownKeys.OrderBy(k => Distance(k, key)).First();
            var hint = Distance(close, key) <= 3 ? $" Did you mean '{close}'?" : "";
            return new ConfigException(key, $"{where}: unknown key '{key}'.{hint} Run 'configs --keys' for the list.");
        }

        private static TrainingConfig Build(List<(string Key, YamlNode Value, string Where)> entries, string source, string defaultName)
        {
            var cfg = new TrainingConfig { Name = defaultName, Source = source };
            var set = new HashSet<string>(StringComparer.Ordinal);
            var ignored = new List<string>();
            string whereOf(string key) => entries.FirstOrDefault(e => e.Key == key).Where ?? source;

            // dataset first: its defaults (classes, backbone) apply unless the file says otherwise.
            var datasetEntry = entries.FirstOrDefault(e => e.Key == "dataset");
            if (datasetEntry.Key is not null)
            {
                var v = new Value(datasetEntry.Key, datasetEntry.Value, datasetEntry.Where);
                var name = Vocabulary.CanonicalDataset(v.String(allowEmpty: false));
                if (Vocabulary.FindDataset(name) is not DatasetFacts provider)
                    throw v.Error($"unknown dataset '{name}'; known: {string.Join(", ", Vocabulary.DatasetNames)}.");
                cfg = cfg with { Dataset = name, NumClasses = provider.DefaultNumClasses, Backbone = provider.DefaultBackbone, DataPath = "" };
            }
            else
            {
                throw new ConfigException("dataset", $"{source}: the key 'dataset' is required (one of {string.Join(", ", Vocabulary.DatasetNames)}).");
            }

            foreach (var (key, node, where) in entries)
            {
                if (IgnoredKeys.Contains(key)) { ignored.Add(key); continue; }
                if (!KnownKeys.Contains(key)) throw UnknownKey(key, where);
                set.Add(key);
                var v = new Value(key, node, where);
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
                    "pretrained" => cfg with { Pretrained = v.String(allowEmpty: true) },
                    "freeze_backbone" => cfg with { FreezeBackbone = v.Bool() },
                    "bf16" => cfg with { Bf16 = v.Bool() },
                    "accumulation_steps" => cfg with { AccumulationSteps = (int)v.Integer(1, 1 << 20) },
                    _ => throw UnknownKey(key, where),
                };
            }

            // Defaults that depend on other keys.
            if (!set.Contains("warmup_epochs")) cfg = cfg with { WarmupEpochs = cfg.Cos ? 0 : 5 };
            cfg = ResolveLoss(cfg, set.Contains("loss"), whereOf) with { IgnoredKeys = ignored };

            // Cross-key checks.
            var dataset = Vocabulary.FindDataset(cfg.Dataset)!;
            if (dataset.FixedNumClasses is int fixedClasses && cfg.NumClasses != fixedClasses)
                throw new ConfigException("num_classes", $"{whereOf("num_classes")}: 'num_classes': {cfg.Dataset} has {fixedClasses} classes, the config says {cfg.NumClasses}.");
            // The step schedule's default warm-up (5 epochs) runs as the authors' formula does even when num_epochs is
            // smaller (a smoke run): only an explicit warmup_epochs beyond num_epochs is a mistake worth naming.
            if (set.Contains("warmup_epochs") && cfg.WarmupEpochs > cfg.NumEpochs)
                throw new ConfigException("warmup_epochs", $"{whereOf("warmup_epochs")}: 'warmup_epochs' ({cfg.WarmupEpochs}) exceeds num_epochs ({cfg.NumEpochs}); lower warmup_epochs or remove it (the default is 5 with steps, 0 with cos).");
            var ranges = new[] { ("head_class_idx", cfg.HeadClassIdx), ("med_class_idx", cfg.MedClassIdx), ("tail_class_idx", cfg.TailClassIdx) };
            int given = ranges.Count(r => r.Item2 is not null);
            if (given is > 0 and < 3)
            {
                var missing = ranges.First(r => r.Item2 is null).Item1;
                throw new ConfigException(missing, $"{source}: '{missing}' is missing: give head_class_idx, med_class_idx and tail_class_idx together, or none of them to group classes by training count.");
            }
            foreach (var (key, range) in ranges)
                if (range is ClassRange r && !r.FitsIn(cfg.NumClasses))
                    throw new ConfigException(key, $"{whereOf(key)}: '{key}' {r} does not fit in the {cfg.NumClasses} classes [0, {cfg.NumClasses}].");
            if (cfg.NotPretrained && cfg.Pretrained.Length > 0)
                throw new ConfigException("not_pretrained", $"{whereOf("not_pretrained")}: 'not_pretrained' is true but 'pretrained' names {cfg.Pretrained}; remove one of them.");
            LargeScaleKeys.Validate(cfg, dataset, set, whereOf);
            Vocabulary.Validate(cfg, whereOf);
            return cfg;
        }

        /// <summary>The loss the authors' switches name, in their precedence: <c>LAS</c> (label-aware smoothing, on
        /// ARB-adjusted logits with <c>arbloss</c>), then <c>arbloss</c>, <c>arbloss_fl</c>, <c>warbloss</c>; each ARB
        /// loss with batch counts, or training-set counts with <c>arb_loss_use_global_class_cnt</c>.</summary>
        private static string? LossFromSwitches(TrainingConfig cfg)
        {
            var counts = cfg.ArbLossUseGlobalClassCnt ? "global" : "batch";
            if (cfg.Las) return cfg.ArbLoss ? "arb_las_" + counts : "label_aware_smoothing";
            if (cfg.ArbLoss) return "arb_" + counts;
            if (cfg.ArbLossFl) return "arb_focal_" + counts;
            if (cfg.WArbLoss) return "arb_weighted_" + counts;
            return null;
        }

        private static TrainingConfig ResolveLoss(TrainingConfig cfg, bool lossGiven, Func<string, string> whereOf)
        {
            var fromSwitches = LossFromSwitches(cfg);
            string loss;
            if (!lossGiven) loss = fromSwitches ?? "cross_entropy";
            else if (cfg.Loss == "arb") loss = "arb_" + (cfg.ArbLossUseGlobalClassCnt ? "global" : "batch");
            else if (fromSwitches is not null && cfg.Loss != fromSwitches)
                throw new ConfigException("loss", $"{whereOf("loss")}: 'loss' is '{cfg.Loss}' but the authors' switches (LAS, arbloss, arbloss_fl, warbloss, arb_loss_use_global_class_cnt) say {fromSwitches}; remove one of them.");
            else loss = cfg.Loss;
            cfg = cfg with { Loss = loss };
            if (!cfg.Las) return cfg;
            // LAS takes its two smoothing values from the authors' keys.
            foreach (var (key, value) in new[] { ("smooth_head", cfg.SmoothHead), ("smooth_tail", cfg.SmoothTail) })
                if (value is null)
                    throw new ConfigException(key, $"{whereOf(key)}: 'LAS' is true but '{key}' is not set; give smooth_head and smooth_tail (e.g. --set {key}=0.1).");
            if (cfg.LossOptions.Count > 0)
                throw new ConfigException("loss_options", $"{whereOf("loss_options")}: with 'LAS' the smoothing comes from smooth_head and smooth_tail; remove loss_options.");
            return cfg with
            {
                LossOptions = new Dictionary<string, double>(StringComparer.Ordinal) { ["smooth_head"] = cfg.SmoothHead!.Value, ["smooth_tail"] = cfg.SmoothTail!.Value },
            };
        }

        private static string CheckName(Value v)
        {
            var name = v.String(allowEmpty: false);
            if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
                throw v.Error($"'{name}' cannot be a folder name; use letters, digits, '-', '_' and '.'.");
            return name;
        }

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }

        /// <summary>One key's YAML value, with typed readers that fail with a message naming the key.</summary>
        private readonly struct Value
        {
            private readonly string _key;
            private readonly YamlNode _node;
            private readonly string _where;

            public Value(string key, YamlNode node, string where)
            {
                _key = key;
                _node = node;
                _where = where;
            }

            public ConfigException Error(string problem) => new(_key, $"{_where}: '{_key}': {problem}");

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
}
