using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// A backbone that starts from ImageNet weights found none: no config key <c>pretrained</c> was given and none of
    /// the files looked for in PyTorch's hub cache exists. The message is one line naming the key <c>pretrained</c>,
    /// every path looked for, and <c>not_pretrained: true</c> (to start from random weights instead).
    /// </summary>
    /// <remarks>A <see cref="FileNotFoundException"/>, so code that handles a missing weights file handles this too;
    /// <see cref="FileNotFoundException.FileName"/> is the first path looked for.</remarks>
    public sealed class PretrainedWeightsNotFoundException : FileNotFoundException
    {
        /// <summary>Creates the exception for <paramref name="backbone"/> and the paths looked for.</summary>
        /// <param name="backbone">The backbone name, e.g. <c>resnet50_fe</c>.</param>
        /// <param name="searchedPaths">The files looked for, in order.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        public PretrainedWeightsNotFoundException(string backbone, IReadOnlyList<string> searchedPaths)
            : base(Describe(backbone, searchedPaths), searchedPaths?.FirstOrDefault())
        {
            Backbone = backbone;
            SearchedPaths = searchedPaths!.ToArray();
        }

        /// <summary>The backbone that needed the weights.</summary>
        public string Backbone { get; }

        /// <summary>The files looked for, in order.</summary>
        public IReadOnlyList<string> SearchedPaths { get; }

        private static string Describe(string backbone, IReadOnlyList<string> searchedPaths)
        {
            ArgumentNullException.ThrowIfNull(backbone);
            ArgumentNullException.ThrowIfNull(searchedPaths);
            return $"{backbone} starts from ImageNet weights but none were found: set the config key 'pretrained: FILE' to a torchvision "
                + $"state_dict (.pth or .safetensors), or put torchvision's file at {string.Join(" or ", searchedPaths)} "
                + "(PyTorch's hub cache: $TORCH_HOME/hub/checkpoints, TORCH_HOME defaulting to $XDG_CACHE_HOME/torch or ~/.cache/torch); "
                + "or set 'not_pretrained: true' to start from random weights.";
        }
    }
}
