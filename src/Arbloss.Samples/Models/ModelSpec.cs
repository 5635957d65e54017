using System.Collections.Generic;

namespace Arbloss.Samples.Models
{
    /// <summary>What <see cref="ModelFactory"/> needs to size a network, plus the options of the large backbones
    /// (<c>resnet50</c>, <c>resnet152</c>) that the other backbones ignore.</summary>
    /// <param name="NumClasses">Number of classes C.</param>
    /// <param name="InputShape">Shape of one sample, e.g. [3, 32, 32].</param>
    public sealed record ModelSpec(int NumClasses, IReadOnlyList<long> InputShape)
    {
        /// <summary>A PyTorch state_dict (<c>.pth</c> or safetensors) of ImageNet weights to start from, classifier
        /// excluded (config key <c>pretrained</c>); null or empty for a fresh initialisation.</summary>
        public string? PretrainedPath { get; init; }

        /// <summary>Train only the last Bottleneck block and the classifier (config key <c>freeze_backbone</c>).</summary>
        public bool FreezeBackbone { get; init; }

        /// <summary>Run the backbone in bfloat16, classifier and loss in float32 (config key <c>bf16</c>).</summary>
        public bool Bf16 { get; init; }
    }
}
