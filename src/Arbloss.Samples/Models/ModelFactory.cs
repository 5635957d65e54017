using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// Builds the network named by a config's <c>backbone:</c>. Built in: <c>resnet32</c> (also the authors'
    /// <c>resnet32_fe</c>), <c>fashion_mnist_cnn</c>, <c>mlp</c>, and the torchvision-layout
    /// <c>resnet50</c> and <c>resnet152</c> (<see cref="ResNetClassifier"/>: ImageNet-LT, iNaturalist 2018, Places-LT), which
    /// also honour <see cref="ModelSpec.PretrainedPath"/>, <see cref="ModelSpec.FreezeBackbone"/> and <see cref="ModelSpec.Bf16"/>.
    /// <see cref="Register"/> adds a backbone under one or more names.
    /// </summary>
    public static class ModelFactory
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<string, Func<ModelSpec, ClassifierNetwork>> Builders = new(StringComparer.Ordinal)
        {
            ["resnet32"] = spec => new ResNet32(spec.NumClasses),
            ["resnet32_fe"] = spec => new ResNet32(spec.NumClasses),
            ["fashion_mnist_cnn"] = spec => new FashionMnistNet(spec.NumClasses),
            ["mlp"] = spec => new MlpNet(checked((int)spec.InputShape.Aggregate(1L, (a, b) => a * b)), spec.NumClasses),
            ["resnet50"] = spec => ResNetClassifier.Create(50, spec),
            ["resnet152"] = spec => ResNetClassifier.Create(152, spec),
        };

        /// <summary>The backbone names, sorted.</summary>
        public static IReadOnlyList<string> Names
        {
            get
            {
                lock (Gate) return Builders.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            }
        }

        /// <summary>Builds a freshly initialised network.</summary>
        /// <param name="backbone">The backbone name.</param>
        /// <param name="spec">Classes and input shape.</param>
        /// <returns>The network, on the CPU.</returns>
        /// <exception cref="ArgumentException">The name is unknown.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
        /// <exception cref="System.IO.FileNotFoundException">The spec's pretrained weights file does not exist.</exception>
        /// <exception cref="System.IO.InvalidDataException">The pretrained weights do not fit the network.</exception>
        public static ClassifierNetwork Create(string backbone, ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            Func<ModelSpec, ClassifierNetwork>? build;
            lock (Gate) Builders.TryGetValue(backbone ?? "", out build);
            if (build is null)
                throw new ArgumentException($"Unknown backbone '{backbone}'; known: {string.Join(", ", Names)}.", nameof(backbone));
            return build(spec);
        }

        /// <summary>Whether a backbone is one of the ImageNet-size ResNets that take pretrained weights, freezing and bf16.</summary>
        /// <param name="backbone">A backbone name.</param>
        /// <returns>True for <c>resnet50</c>, <c>resnet152</c> and the authors' names for them.</returns>
        public static bool IsLarge(string backbone) => backbone is "resnet50" or "resnet152" or "resnet50_fe" or "resnet152_fe";

        /// <summary>Adds or replaces a backbone.</summary>
        /// <param name="name">The name a config uses.</param>
        /// <param name="build">Builds the network from classes and input shape.</param>
        /// <exception cref="ArgumentException">The name is empty.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="build"/> is null.</exception>
        public static void Register(string name, Func<ModelSpec, ClassifierNetwork> build)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A backbone needs a name.", nameof(name));
            ArgumentNullException.ThrowIfNull(build);
            lock (Gate) Builders[name] = build;
        }
    }
}
