using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Arbloss.Samples.Configuration;
using Arbloss.Samples.Data;
using Arbloss.Samples.Models;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Hands the names of the registries (<see cref="DatasetRegistry"/>, <see cref="ModelFactory"/>,
    /// <see cref="LossFactory"/>, <see cref="SamplerFactory"/>) and their cross-key checks to the config parser when the
    /// program's assembly loads, so that <see cref="ConfigLoader"/> depends on none of them. The names are read at
    /// each use, so a dataset or backbone registered later is accepted too.
    /// </summary>
    public sealed class ConfigVocabularySetup : IConfigVocabulary
    {
        /// <summary>Sets <see cref="ConfigLoader.Vocabulary"/> to the registries' vocabulary (runs once, when the assembly loads).</summary>
#pragma warning disable CA2255 // The samples app is a program: its rooms are wired when its own assembly loads.
        [ModuleInitializer]
#pragma warning restore CA2255
        internal static void Install() => ConfigLoader.Vocabulary = new ConfigVocabularySetup();

        /// <inheritdoc />
        public IReadOnlyList<string> DatasetNames => DatasetRegistry.Names;

        /// <inheritdoc />
        public IReadOnlyList<string> BackboneNames => ModelFactory.Names;

        /// <inheritdoc />
        public IReadOnlyList<string> LossNames => LossFactory.Names;

        /// <inheritdoc />
        public IReadOnlyList<string> SamplerNames => SamplerFactory.Names;

        /// <inheritdoc />
        public string CanonicalDataset(string name) => DatasetRegistry.Canonical(name);

        /// <inheritdoc />
        public DatasetFacts? FindDataset(string canonicalName) =>
            DatasetRegistry.TryGet(canonicalName, out var p)
                ? new DatasetFacts(p.Name, p.DefaultNumClasses, p.FixedNumClasses, p.DefaultBackbone, p is ImageListProvider or SegmentationListProvider, p.IsSegmentation)
                : null;

        /// <inheritdoc />
        public string? UnsupportedBackbone(string backbone) => ModelFactory.UnsupportedAuthorNameMessage(backbone);

        /// <inheritdoc />
        public bool IsLargeBackbone(string backbone) => ModelFactory.IsLarge(backbone);

        /// <inheritdoc />
        public void Validate(TrainingConfig config, Func<string, string> whereOf)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(whereOf);
            if (config.HeadClassIdx is not null && config.MedClassIdx is not null && config.TailClassIdx is not null)
            {
                try
                {
                    Trainer.ShotGroupsFor(config, Array.Empty<long>());
                }
                catch (ArgumentException e)
                {
                    throw new ConfigException("head_class_idx", $"{whereOf("head_class_idx")}: the class ranges head_class_idx {config.HeadClassIdx}, med_class_idx {config.MedClassIdx}, tail_class_idx {config.TailClassIdx} are inconsistent: {e.Message}", e);
                }
            }
            SegmentationTrainer.ValidateConfig(config, whereOf);
            LossFactory.ValidateOptions(config.Loss, config.LossOptions, whereOf("loss_options"));
            LossFactory.ValidateValues(config with { Source = whereOf("loss_options") });
        }
    }
}
