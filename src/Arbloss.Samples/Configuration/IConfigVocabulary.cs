using System;
using System.Collections.Generic;

namespace Arbloss.Samples.Configuration
{
    /// <summary>
    /// The names and cross-key checks that <see cref="ConfigLoader"/> accepts but does not own: datasets, backbones,
    /// losses and samplers belong to the rooms that build them, which hand them to the parser through this interface
    /// (set once as <see cref="ConfigLoader.Vocabulary"/>), so that configuration depends on no room above it.
    /// </summary>
    public interface IConfigVocabulary
    {
        /// <summary>The dataset names a config may use, in display order.</summary>
        IReadOnlyList<string> DatasetNames { get; }

        /// <summary>The backbone names a config may use, sorted.</summary>
        IReadOnlyList<string> BackboneNames { get; }

        /// <summary>The loss names a config may use.</summary>
        IReadOnlyList<string> LossNames { get; }

        /// <summary>The sampler names a config may use.</summary>
        IReadOnlyList<string> SamplerNames { get; }

        /// <summary>Folds a dataset name or alias (e.g. the authors' <c>imagenet</c>) to its registered name.</summary>
        /// <param name="name">A dataset name as a config writes it.</param>
        /// <returns>The registered name, or the trimmed input when none matches.</returns>
        string CanonicalDataset(string name);

        /// <summary>What a config's defaults and checks need to know of a dataset.</summary>
        /// <param name="canonicalName">A registered dataset name.</param>
        /// <returns>The facts, or null when no dataset has that name.</returns>
        DatasetFacts? FindDataset(string canonicalName);

        /// <summary>Why a backbone name a config may hold is not built here (e.g. one of the authors' ResNeXt names).</summary>
        /// <param name="backbone">A backbone name.</param>
        /// <returns>A one-line explanation naming what to use instead, or null when the name is simply unknown or known.</returns>
        string? UnsupportedBackbone(string backbone);

        /// <summary>Whether a backbone takes the large-model keys (<c>pretrained</c>, <c>freeze_backbone</c>, <c>bf16</c>).</summary>
        /// <param name="backbone">A backbone name.</param>
        /// <returns>True for the ImageNet-size ResNets.</returns>
        bool IsLargeBackbone(string backbone);

        /// <summary>The checks of the owning rooms (loss options, class ranges as shot groups) on a parsed config.</summary>
        /// <param name="config">The config, its loss resolved.</param>
        /// <param name="whereOf">Where a key came from (file and line, or <c>--set key</c>), for messages.</param>
        /// <exception cref="ConfigException">A value does not fit the room that uses it.</exception>
        void Validate(TrainingConfig config, Func<string, string> whereOf);
    }
}
