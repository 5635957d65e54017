using System;
using System.Collections.Generic;
using System.Linq;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// Builds the network named by a config's <c>backbone:</c>. Built in: <c>resnet32</c> (also the authors'
    /// <c>resnet32_fe</c>), <c>fashion_mnist_cnn</c>, <c>mlp</c>, the segmentation network <c>seg_fcn</c>
    /// (<see cref="SegmentationFcn"/>, dense: <see cref="IsDense"/>), and the torchvision-layout
    /// <c>resnet50</c>, <c>resnet101</c> and <c>resnet152</c> (<see cref="ResNetClassifier"/>: ImageNet-LT, iNaturalist 2018,
    /// Places-LT), which also honour <see cref="ModelSpec.PretrainedPath"/>, <see cref="ModelSpec.FreezeBackbone"/> and
    /// <see cref="ModelSpec.Bf16"/>. The authors' <c>resnet50_fe</c>, <c>resnet101_fe</c> and <c>resnet152_fe</c> depend on
    /// <see cref="ModelSpec.Dataset"/> as in their <c>train_stage1.py</c>: for Places-LT (<see cref="ModelSpec.IsPlaces"/>)
    /// the frozen-trunk <see cref="PlacesResNetClassifier"/> of <c>models/resnet_places.py</c>, otherwise the plain
    /// <see cref="ResNetClassifier"/> of <c>models/resnet.py</c> (trained from scratch unless <c>pretrained</c> is given).
    /// The authors' names that are not built here are listed in <see cref="UnsupportedAuthorNames"/>.
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
            ["resnet101"] = spec => ResNetClassifier.Create(101, spec),
            ["resnet152"] = spec => ResNetClassifier.Create(152, spec),
            ["resnet50_fe"] = spec => AuthorsFeatureExtractor(50, spec),
            ["resnet101_fe"] = spec => AuthorsFeatureExtractor(101, spec),
            ["resnet152_fe"] = spec => AuthorsFeatureExtractor(152, spec),
            ["seg_fcn"] = spec => new SegmentationFcn(spec.NumClasses, spec.InputShape.Count == 3 ? checked((int)spec.InputShape[0]) : 3),
        };

        // Backbones whose logits are dense [B, C, H, W] (segmentation networks).
        private static readonly HashSet<string> Dense = new(StringComparer.Ordinal) { "seg_fcn" };

        private const string Supported = "use resnet50_fe (or resnet101_fe, resnet152_fe; resnet32_fe for CIFAR)";

        // The names the authors' models/ folder defines (resnet.py, resnet_places.py, resnet_cifar.py) that no builder here makes.
        private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
        {
            ["resnet10_fe"] = "ResNet-10 (BasicBlock)",
            ["resnet10"] = "ResNet-10 (BasicBlock)",
            ["resnet18"] = "ResNet-18 (BasicBlock)",
            ["resnet34"] = "ResNet-34 (BasicBlock)",
            ["resnext50_32x4d"] = "ResNeXt-50 32x4d (grouped convolutions)",
            ["resnext101_32x8d"] = "ResNeXt-101 32x8d (grouped convolutions)",
            ["resnext152_32x4d"] = "ResNeXt-152 32x4d (grouped convolutions)",
            ["wide_resnet50_2"] = "Wide ResNet-50-2",
            ["wide_resnet101_2"] = "Wide ResNet-101-2",
            ["resnet20"] = "the CIFAR ResNet-20",
            ["resnet44"] = "the CIFAR ResNet-44",
            ["resnet56"] = "the CIFAR ResNet-56",
            ["resnet110"] = "the CIFAR ResNet-110",
            ["resnet1202"] = "the CIFAR ResNet-1202",
        };

        private static ClassifierNetwork AuthorsFeatureExtractor(int depth, ModelSpec spec) =>
            spec.IsPlaces ? PlacesResNetClassifier.Create(depth, spec) : ResNetClassifier.Create(depth, spec);

        /// <summary>
        /// Backbone names of the authors' <c>models/</c> (<c>resnet.py</c>, <c>resnet_places.py</c>, <c>resnet_cifar.py</c>)
        /// that are not built here, sorted: <c>resnet10_fe</c>, the BasicBlock ResNets, ResNeXt, Wide ResNet and the other CIFAR
        /// depths. <see cref="Create"/> rejects them with <see cref="UnsupportedAuthorNameMessage"/>.
        /// </summary>
        public static IReadOnlyList<string> UnsupportedAuthorNames { get; } = Unsupported.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

        /// <summary>
        /// The one-line error for a backbone of the authors' code that is not built here, e.g. "the authors' backbone
        /// resnext50_32x4d (ResNeXt-50 32x4d (grouped convolutions)) is not built here; use resnet50_fe (...)"; null for
        /// any other name.
        /// </summary>
        /// <param name="backbone">A config's backbone name.</param>
        /// <returns>The message, or null when <paramref name="backbone"/> is not one of <see cref="UnsupportedAuthorNames"/>.</returns>
        public static string? UnsupportedAuthorNameMessage(string? backbone) =>
            backbone is not null && Unsupported.TryGetValue(backbone, out var what)
                ? $"the authors' backbone {backbone} ({what}) is not built here; {Supported}."
                : null;

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
        /// <exception cref="ArgumentException">The name is unknown (for one of <see cref="UnsupportedAuthorNames"/> the message
        /// is <see cref="UnsupportedAuthorNameMessage"/>), or the spec does not fit the backbone.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
        /// <exception cref="PretrainedWeightsNotFoundException">A Places-LT <c>resnet*_fe</c> needs ImageNet weights and
        /// none were given or found in PyTorch's hub cache.</exception>
        /// <exception cref="System.IO.FileNotFoundException">The spec's pretrained weights file does not exist.</exception>
        /// <exception cref="System.IO.InvalidDataException">The pretrained weights do not fit the network.</exception>
        public static ClassifierNetwork Create(string backbone, ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            Func<ModelSpec, ClassifierNetwork>? build;
            lock (Gate) Builders.TryGetValue(backbone ?? "", out build);
            if (build is null)
                throw new ArgumentException(UnsupportedAuthorNameMessage(backbone) ?? $"Unknown backbone '{backbone}'; known: {string.Join(", ", Names)}.", nameof(backbone));
            return build(spec);
        }

        /// <summary>Whether a backbone is one of the ImageNet-size ResNets that take pretrained weights, freezing and bf16.</summary>
        /// <param name="backbone">A backbone name.</param>
        /// <returns>True for <c>resnet50</c>, <c>resnet101</c>, <c>resnet152</c> and the authors' <c>*_fe</c> names for them.</returns>
        public static bool IsLarge(string backbone) => backbone is "resnet50" or "resnet101" or "resnet152" or "resnet50_fe" or "resnet101_fe" or "resnet152_fe";

        /// <summary>Whether a backbone is a dense (segmentation) network: logits [B, C, H, W], one prediction per pixel
        /// (<see cref="ClassifierNetwork.IsDense"/>), e.g. <c>seg_fcn</c>.</summary>
        /// <param name="backbone">A backbone name.</param>
        /// <returns>True for the segmentation backbones; false for classifiers and unknown names.</returns>
        public static bool IsDense(string backbone)
        {
            lock (Gate) return backbone is not null && Dense.Contains(backbone);
        }

        /// <summary>Adds or replaces a backbone.</summary>
        /// <param name="name">The name a config uses.</param>
        /// <param name="build">Builds the network from classes and input shape.</param>
        /// <param name="dense">Whether the network is a segmentation network (<see cref="IsDense"/>).</param>
        /// <exception cref="ArgumentException">The name is empty.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="build"/> is null.</exception>
        public static void Register(string name, Func<ModelSpec, ClassifierNetwork> build, bool dense = false)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A backbone needs a name.", nameof(name));
            ArgumentNullException.ThrowIfNull(build);
            lock (Gate)
            {
                Builders[name] = build;
                if (dense) Dense.Add(name);
                else Dense.Remove(name);
            }
        }
    }
}
