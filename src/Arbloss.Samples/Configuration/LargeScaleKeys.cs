using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Configuration
{
    /// <summary>Cross-key checks of the large-scale keys (<c>image_root</c>, <c>image_size</c>, <c>pretrained</c>,
    /// <c>freeze_backbone</c>, <c>bf16</c>, <c>accumulation_steps</c>), called by <see cref="ConfigLoader"/>.</summary>
    internal static class LargeScaleKeys
    {
        /// <summary>Throws a <see cref="ConfigException"/> naming the key when a large-scale key does not fit the rest of the config.</summary>
        public static void Validate(TrainingConfig cfg, DatasetFacts dataset, IReadOnlySet<string> set, Func<string, string> whereOf)
        {
            foreach (var key in new[] { "image_root", "image_size" })
            {
                Func<DatasetFacts, bool> takes = key == "image_size" ? d => d.IsImageList || d.IsSegmentation : d => d.IsImageList;
                if (set.Contains(key) && !takes(dataset))
                    throw new ConfigException(key, $"{whereOf(key)}: '{key}' applies to {DatasetsWhere(takes)}, not to {cfg.Dataset}; remove it.");
            }
            foreach (var key in new[] { "train_scenes", "test_scenes" })
            {
                Func<DatasetFacts, bool> generated = d => d.IsSegmentation && !d.IsImageList;
                if (set.Contains(key) && !generated(dataset))
                    throw new ConfigException(key, $"{whereOf(key)}: '{key}' applies to the generated segmentation datasets ({DatasetsWhere(generated)}), not to {cfg.Dataset}; remove it.");
            }
            var modelKeys = new List<(string Key, bool On)> { ("pretrained", cfg.Pretrained.Length > 0), ("freeze_backbone", cfg.FreezeBackbone), ("bf16", cfg.Bf16) };
            foreach (var (key, on) in modelKeys)
                if (on && !ConfigLoader.Vocabulary.IsLargeBackbone(cfg.Backbone))
                    throw new ConfigException(key, $"{whereOf(key)}: '{key}' needs an ImageNet-size backbone ({string.Join(", ", ConfigLoader.Vocabulary.BackboneNames.Where(ConfigLoader.Vocabulary.IsLargeBackbone))}), not {cfg.Backbone}.");
            if (cfg.BatchSize % cfg.AccumulationSteps != 0)
                throw new ConfigException("accumulation_steps", $"{whereOf("accumulation_steps")}: 'accumulation_steps' ({cfg.AccumulationSteps}) must divide batch_size ({cfg.BatchSize}) so that every micro-batch has the same size (e.g. 1024 = 8 x 128).");
        }

        /// <summary>The registered datasets with a property, for messages (e.g. "imagenet-lt, inaturalist2018, places-lt").</summary>
        private static string DatasetsWhere(Func<DatasetFacts, bool> property)
        {
            var vocabulary = ConfigLoader.Vocabulary;
            return string.Join(", ", vocabulary.DatasetNames.Where(n => vocabulary.FindDataset(n) is { } facts && property(facts)));
        }
    }
}
