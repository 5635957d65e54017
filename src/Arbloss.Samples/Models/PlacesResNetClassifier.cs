using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// The ARB-Loss authors' Places-LT network (<c>backbone: resnet50_fe</c> with <c>dataset: places</c>, their
    /// <c>models/resnet_places.py</c> and <c>train_stage1.py</c>): a frozen, ImageNet-pretrained torchvision ResNet
    /// without pooling and classifier (the <c>model</c>, always in evaluation mode and run without gradients), a new
    /// trainable Bottleneck(2048, 512) block on its layer4 map (the <c>block</c>, stride 1, identity shortcut, batch norms in
    /// training mode during training), and a classifier of global average pooling plus Linear(2048, C).
    /// </summary>
    /// <remarks>
    /// <para><see cref="Features"/> are the pooled block outputs [B, 2048] and <see cref="Head"/> is the Linear, so the
    /// gradient-balance diagnostics see the classifier as with every other backbone. Only the block and the classifier
    /// have <c>requires_grad</c> (<see cref="TrainableParameters"/>); the trunk never receives a gradient, so an optimiser
    /// over all <c>parameters()</c> (which skips parameters without a gradient) updates only those two, and the trunk's
    /// batch-norm statistics never move.</para>
    /// <para>State_dict keys mirror the authors' three checkpoint parts: <c>model.*</c> (torchvision keys without
    /// <c>fc</c>: their <c>state_dict_model</c>), <c>block.*</c> (<c>state_dict_block</c>) and <c>classifier.fc.*</c>
    /// (<c>state_dict_classifier</c>). The block and the classifier start from PyTorch's default initialisation, as the
    /// authors' stand-alone <c>Bottleneck</c> and <c>Classifier</c> do.</para>
    /// <para>For ResNet-152 the trunk is the authors' <c>resnet152_fe</c>: layer4 keeps two of its three blocks and the new
    /// block takes the third one's place (the ImageNet file's <c>layer4.2.*</c> is not loaded). For ResNet-50 and
    /// ResNet-101 the trunk keeps all of layer4 and the block comes on top.</para>
    /// </remarks>
    public sealed class PlacesResNetClassifier : ClassifierNetwork
    {
        /// <summary>Inner width of the new block (its input and output are 2048 = 512 * 4 channels).</summary>
        public const int BlockPlanes = 512;

        /// <summary>The trunk's output channels, the block's input and output width and the feature width.</summary>
        public const int Width = 2048;

        // Field names are the authors' names (RegisterComponents uses them as state_dict keys).
        private readonly ResNet model;
        private readonly ResNetBottleneck block;
        private readonly PooledLinear classifier;

        /// <summary>Builds the network around <paramref name="trunk"/>, freezing it.</summary>
        /// <param name="trunk">A classifier-less bottleneck ResNet (built with 0 classes) whose layer4 gives 2048 channels; it
        /// becomes owned by this module, its parameters stop requiring gradients, and it is put into evaluation mode.</param>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="bf16">Run the trunk's and the block's convolutions in bfloat16 (features, classifier and loss stay float32).</param>
        /// <exception cref="ArgumentNullException"><paramref name="trunk"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="trunk"/> has a classifier or does not give 2048 channels.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 2.</exception>
        public PlacesResNetClassifier(ResNet trunk, int numClasses, bool bf16 = false) : base(nameof(PlacesResNetClassifier))
        {
            ArgumentNullException.ThrowIfNull(trunk);
            if (trunk.HasClassifier)
                throw new ArgumentException("The Places-LT trunk is a feature extractor: build the ResNet with 0 classes (no fc).", nameof(trunk));
            if (trunk.FeatureDimension != Width)
                throw new ArgumentException($"The Places-LT block reads {Width} channels; the trunk gives {trunk.FeatureDimension}.", nameof(trunk));
            CheckClasses(numClasses, nameof(numClasses));
            var device = trunk.parameters().First().device;
            model = trunk;
            block = new ResNetBottleneck(Width, BlockPlanes, 1, device);
            classifier = new PooledLinear(Width, numClasses, device);
            NumClasses = numClasses;
            Bf16 = bf16;
            RegisterComponents();
            foreach (var p in model.parameters()) p.requires_grad = false;
            train(training);
        }

        /// <summary>
        /// Builds the authors' Places-LT network on a ResNet-<paramref name="depth"/> trunk for <paramref name="spec"/> and
        /// loads the trunk's ImageNet weights: from <see cref="ModelSpec.PretrainedPath"/> when given, otherwise from
        /// torchvision's file in PyTorch's hub cache (<see cref="HubCheckpointPaths"/>), none with
        /// <see cref="ModelSpec.NotPretrained"/>. The file's <c>fc.*</c> (and for ResNet-152 <c>layer4.2.*</c>) is not loaded.
        /// <see cref="ModelSpec.FreezeBackbone"/> is implied (the trunk is always frozen); <see cref="ModelSpec.Bf16"/> is honoured.
        /// </summary>
        /// <param name="depth">50, 101 or 152.</param>
        /// <param name="spec">Classes, input shape [3, H, W] and the weight options.</param>
        /// <returns>The network on the CPU, trunk frozen.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
        /// <exception cref="ArgumentException">The depth is not 50, 101 or 152, the input is not 3-channel images, or the
        /// spec sets both <see cref="ModelSpec.PretrainedPath"/> and <see cref="ModelSpec.NotPretrained"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The spec has fewer than 2 classes.</exception>
        /// <exception cref="PretrainedWeightsNotFoundException">No weights were given and none are in the hub cache.</exception>
        /// <exception cref="FileNotFoundException">The given <see cref="ModelSpec.PretrainedPath"/> does not exist.</exception>
        /// <exception cref="InvalidDataException">The weights file does not fit the trunk.</exception>
        public static PlacesResNetClassifier Create(int depth, ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            var blocks = TrunkBlocks(depth);
            if (spec.InputShape.Count != 3 || spec.InputShape[0] != 3)
                throw new ArgumentException($"{BackboneName(depth)} reads RGB images [3, H, W]; the dataset gives [{string.Join(", ", spec.InputShape)}].", nameof(spec));
            CheckClasses(spec.NumClasses, nameof(spec));
            var weights = FindPretrainedWeights(depth, spec);
            if (weights is not null && !File.Exists(weights))
                throw new FileNotFoundException($"Weights file '{weights}' does not exist.", weights);
            var trunk = new ResNet(blocks, numClasses: 0, name: $"ResNet{depth}");
            try
            {
                if (weights is not null)
                {
                    var replacedBlock = blocks[3] < StandardBlocks(depth)[3] ? $"layer4.{blocks[3]}." : null;
                    ResNetWeights.Load(trunk, weights, key => key.StartsWith("fc.", StringComparison.Ordinal)
                        || (replacedBlock is not null && key.StartsWith(replacedBlock, StringComparison.Ordinal)));
                }
                return new PlacesResNetClassifier(trunk, spec.NumClasses, spec.Bf16) { PretrainedFrom = weights };
            }
            catch
            {
                trunk.Dispose();
                throw;
            }
        }

        /// <summary>
        /// The weights file <see cref="Create"/> loads for <paramref name="spec"/>: null with
        /// <see cref="ModelSpec.NotPretrained"/> (nothing is looked up); <see cref="ModelSpec.PretrainedPath"/> when given
        /// (its existence is checked when loading); otherwise the first of <see cref="HubCheckpointPaths"/> that exists.
        /// </summary>
        /// <param name="depth">50, 101 or 152.</param>
        /// <param name="spec">The weight options.</param>
        /// <returns>A path, or null for random weights.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
        /// <exception cref="ArgumentException">The depth is not 50, 101 or 152, or the spec sets both
        /// <see cref="ModelSpec.PretrainedPath"/> and <see cref="ModelSpec.NotPretrained"/>.</exception>
        /// <exception cref="PretrainedWeightsNotFoundException">No path was given and none of the hub-cache files exists.</exception>
        public static string? FindPretrainedWeights(int depth, ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            TrunkBlocks(depth);
            var given = !string.IsNullOrEmpty(spec.PretrainedPath);
            if (spec.NotPretrained)
            {
                if (given)
                    throw new ArgumentException($"'pretrained: {spec.PretrainedPath}' and 'not_pretrained: true' contradict each other; remove one.", nameof(spec));
                return null;
            }
            if (given) return spec.PretrainedPath;
            var candidates = HubCheckpointPaths(depth);
            return candidates.FirstOrDefault(File.Exists) ?? throw new PretrainedWeightsNotFoundException(BackboneName(depth), candidates);
        }

        /// <summary>
        /// torchvision's ImageNet weight files for ResNet-<paramref name="depth"/> in PyTorch's hub cache
        /// (<see cref="TorchHub.CheckpointsDirectory"/>), in lookup order: the current IMAGENET1K_V1 file name
        /// (<c>resnet50-0676ba61.pth</c>, <c>resnet101-63fe2227.pth</c>, <c>resnet152-394f9c45.pth</c>), then the older one
        /// the authors' code downloads (<c>resnet50-19c8e357.pth</c>, <c>resnet101-5d3b4d8f.pth</c>, <c>resnet152-b121ed2d.pth</c>).
        /// </summary>
        /// <param name="depth">50, 101 or 152.</param>
        /// <returns>Absolute paths (read from the environment now).</returns>
        /// <exception cref="ArgumentException">The depth is not 50, 101 or 152.</exception>
        public static IReadOnlyList<string> HubCheckpointPaths(int depth)
        {
            string[] names = depth switch
            {
                50 => new[] { "resnet50-0676ba61.pth", "resnet50-19c8e357.pth" },
                101 => new[] { "resnet101-63fe2227.pth", "resnet101-5d3b4d8f.pth" },
                152 => new[] { "resnet152-394f9c45.pth", "resnet152-b121ed2d.pth" },
                _ => throw UnsupportedDepth(depth),
            };
            var folder = TorchHub.CheckpointsDirectory();
            return names.Select(n => Path.Combine(folder, n)).ToArray();
        }

        /// <summary>The trunk's Bottleneck blocks per stage for ResNet-<paramref name="depth"/>: torchvision's, except that
        /// ResNet-152 keeps two blocks in layer4 (the authors' <c>resnet152_fe</c>: 3, 8, 36, 2).</summary>
        /// <param name="depth">50, 101 or 152.</param>
        /// <returns>Four block counts.</returns>
        /// <exception cref="ArgumentException">The depth is not 50, 101 or 152.</exception>
        public static IReadOnlyList<int> TrunkBlocks(int depth) => depth switch
        {
            50 => new[] { 3, 4, 6, 3 },
            101 => new[] { 3, 4, 23, 3 },
            152 => new[] { 3, 8, 36, 2 },
            _ => throw UnsupportedDepth(depth),
        };

        private static int[] StandardBlocks(int depth) => depth switch
        {
            50 => new[] { 3, 4, 6, 3 },
            101 => new[] { 3, 4, 23, 3 },
            _ => new[] { 3, 8, 36, 3 },
        };

        private static string BackboneName(int depth) => $"resnet{depth}_fe (Places-LT)";

        private static ArgumentException UnsupportedDepth(int depth) =>
            new($"The Places-LT network is built on ResNet-50, ResNet-101 or ResNet-152, not depth {depth}.", nameof(depth));

        /// <summary>The frozen trunk (torchvision state_dict keys, no <c>fc</c>).</summary>
        public ResNet Trunk => model;

        /// <summary>The trainable Bottleneck(2048, 512) block on the trunk's layer4 map.</summary>
        public ResNetBottleneck Block => block;

        /// <summary>The weights file the trunk was loaded from by <see cref="Create"/>; null for random weights (or when
        /// built by the constructor).</summary>
        public string? PretrainedFrom { get; private init; }

        /// <summary>Whether the trunk and the block run in bfloat16.</summary>
        public bool Bf16 { get; }

        /// <inheritdoc />
        public override int NumClasses { get; }

        /// <inheritdoc />
        public override int FeatureDim => Width;

        /// <inheritdoc />
        public override Linear Head => classifier.Fc;

        /// <summary>
        /// Pooled float32 features [B, 2048]: the trunk's layer4 map (computed without gradients, trunk in evaluation mode),
        /// then the block, then global average pooling. In bfloat16 for trunk and block when <see cref="Bf16"/>.
        /// </summary>
        /// <param name="input">float32 images [B, 3, H, W].</param>
        /// <returns>Features [B, 2048], float32.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="input"/> is not [B, 3, H, W].</exception>
        public override Tensor Features(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor map;
            using (no_grad())
                map = Bf16 ? model.FeatureMap(input, ScalarType.BFloat16) : model.FeatureMap(input);
            var x = Bf16 ? block.Forward(map, ScalarType.BFloat16) : block.call(map);
            map.Dispose();   // the trunk's output is released once the block has read it
            return classifier.Pool(x).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        }

        /// <summary>The parameters an optimiser should update: the block's, then the classifier's (the trunk's are frozen).</summary>
        /// <returns>The block's and the classifier's parameters.</returns>
        public IEnumerable<Parameter> TrainableParameters() => block.parameters().Concat(classifier.parameters());

        /// <summary>Number of trainable scalars: 4,462,592 in the block plus 2048 * C + C in the classifier.</summary>
        /// <returns>The sum of the element counts of <see cref="TrainableParameters"/>.</returns>
        public long TrainableParameterCount() => TrainableParameters().Sum(p => p.numel());

        /// <summary>
        /// Sets training or evaluation mode for the block and the classifier; the trunk stays in evaluation mode either
        /// way (its batch norms use and keep the ImageNet running statistics), as in the authors' <c>model.eval()</c>.
        /// </summary>
        /// <param name="train">True for training mode, false for evaluation mode.</param>
        public override void train(bool train = true)
        {
            base.train(train);
            model.eval();
        }

        /// <summary>Global average pooling, flattening and the Linear layer: the authors' <c>Classifier</c> (key <c>fc</c>).</summary>
        private sealed class PooledLinear : nn.Module<Tensor, Tensor>
        {
            // Field names are the authors' module names (state_dict keys).
            private readonly AdaptiveAvgPool2d avgpool;
            private readonly Linear fc;

            public PooledLinear(long features, long classes, Device device) : base("Classifier")
            {
                avgpool = nn.AdaptiveAvgPool2d(1);
                fc = nn.Linear(features, classes, device: device);
                RegisterComponents();
            }

            public Linear Fc => fc;

            public Tensor Pool(Tensor map)
            {
                using var scope = NewDisposeScope();
                return avgpool.call(map).flatten(1).MoveToOuterDisposeScope();
            }

            public override Tensor forward(Tensor map)
            {
                using var scope = NewDisposeScope();
                return fc.call(Pool(map)).MoveToOuterDisposeScope();
            }
        }
    }
}
