using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Models
{
    /// <summary>What <see cref="ModelFactory"/> needs to size a network, plus the options of the large backbones
    /// (<c>resnet50</c>, <c>resnet101</c>, <c>resnet152</c> and the authors' <c>resnet*_fe</c>) that the other backbones ignore.</summary>
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

        /// <summary>Start from random weights: no ImageNet weights are looked for (config key <c>not_pretrained</c>, the
        /// authors' name). Only the backbones that look for weights by themselves (the Places-LT <c>resnet*_fe</c>, see
        /// <see cref="PlacesResNetClassifier"/>) read it; combined with <see cref="PretrainedPath"/> they reject the spec.</summary>
        public bool NotPretrained { get; init; }

        /// <summary>The dataset the network is built for (config key <c>dataset</c>), e.g. <c>places</c> (the authors'
        /// name) or <c>places-lt</c>; null when unknown. The authors' <c>resnet50_fe</c>, <c>resnet101_fe</c> and
        /// <c>resnet152_fe</c> mean a different network for Places-LT (see <see cref="IsPlaces"/>).</summary>
        public string? Dataset { get; init; }

        /// <summary>Whether <see cref="Dataset"/> names Places-LT: <c>places</c> or <c>places-lt</c>, ignoring case,
        /// <c>-</c>, <c>_</c> and spaces.</summary>
        public bool IsPlaces
        {
            get
            {
                if (string.IsNullOrWhiteSpace(Dataset)) return false;
                var key = new string(Dataset.Where(c => c != '-' && c != '_' && !char.IsWhiteSpace(c)).ToArray()).ToLowerInvariant();
                return key is "places" or "placeslt";
            }
        }
    }
}
