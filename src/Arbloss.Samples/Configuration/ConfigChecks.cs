using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace Arbloss.Samples.Configuration
{
    /// <summary>The checks across keys of a parsed configuration: class counts, warm-up, class ranges, weights, the
    /// large-scale keys, and the checks of the rooms that use the names (<see cref="IConfigVocabulary.Validate"/>).</summary>
    internal static class ConfigChecks
    {
        /// <summary>Throws a <see cref="ConfigException"/> naming the key when the keys do not fit together.</summary>
        public static void Validate(TrainingConfig cfg, IReadOnlySet<string> set, string source, Func<string, string> whereOf)
        {
            var vocabulary = ConfigLoader.Vocabulary;
            var dataset = vocabulary.FindDataset(cfg.Dataset)!;
            if (dataset.FixedNumClasses is int fixedClasses && cfg.NumClasses != fixedClasses)
                throw new ConfigException("num_classes", $"{whereOf("num_classes")}: {cfg.Dataset} has {fixedClasses} classes, but 'num_classes' is {cfg.NumClasses}.");
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
            vocabulary.Validate(cfg, whereOf);
        }
    }
}
