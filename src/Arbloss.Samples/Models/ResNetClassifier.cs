using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// A torchvision-layout bottleneck <see cref="ResNet"/> (ResNet-50 / ResNet-101 / ResNet-152) as a <see cref="ClassifierNetwork"/>
    /// for the training pipeline: the backbone names <c>resnet50</c>, <c>resnet101</c> and <c>resnet152</c> of <see cref="ModelFactory"/>
    /// (and the authors' <c>resnet50_fe</c>, <c>resnet101_fe</c>, <c>resnet152_fe</c> outside Places-LT).
    /// Optionally starts from ImageNet weights (<c>pretrained:</c>), freezes all but the last Bottleneck block and the
    /// classifier (<c>freeze_backbone:</c>, the authors' Places-LT setup), and runs the backbone's convolutions in
    /// bfloat16 (<c>bf16:</c>) with the classifier and the loss in float32.
    /// </summary>
    /// <remarks>The wrapped network is registered as <c>resnet</c>, so its state_dict keys read <c>resnet.conv1.weight</c> ...
    /// in the app's checkpoints; <see cref="Network"/> gives the bare torchvision-keyed module for <see cref="ResNetWeights"/>.</remarks>
    public sealed class ResNetClassifier : ClassifierNetwork
    {
        private readonly ResNet resnet;

        /// <summary>Wraps a bottleneck ResNet.</summary>
        /// <param name="network">The network (it becomes owned by this module).</param>
        /// <param name="bf16">Run the backbone's convolutions in bfloat16 (features, classifier and loss stay float32).</param>
        /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The network has fewer than 2 classes.</exception>
        public ResNetClassifier(ResNet network, bool bf16 = false) : base(network?.GetName() ?? nameof(ResNetClassifier))
        {
            resnet = network ?? throw new ArgumentNullException(nameof(network));
            CheckClasses(network.NumClasses, nameof(network));
            Bf16 = bf16;
            RegisterComponents();
        }

        /// <summary>Builds ResNet-50, ResNet-101 or ResNet-152 for <paramref name="spec"/>, loading and freezing as it says.</summary>
        /// <param name="depth">50, 101 or 152.</param>
        /// <param name="spec">Classes, input shape [3, H, W] and the large-model options (pretrained weights, freezing, bf16).</param>
        /// <returns>The network on the CPU.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
        /// <exception cref="ArgumentException">The depth is not 50, 101 or 152, or the input is not 3-channel images.</exception>
        /// <exception cref="FileNotFoundException">The pretrained weights file does not exist.</exception>
        /// <exception cref="InvalidDataException">The weights file does not fit the network.</exception>
        public static ResNetClassifier Create(int depth, ModelSpec spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            if (spec.InputShape.Count != 3 || spec.InputShape[0] != 3)
                throw new ArgumentException($"resnet{depth} reads RGB images [3, H, W]; the dataset gives [{string.Join(", ", spec.InputShape)}].", nameof(spec));
            CheckClasses(spec.NumClasses, nameof(spec));
            var network = depth switch
            {
                50 => ResNet.ResNet50(spec.NumClasses),
                101 => ResNet.ResNet101(spec.NumClasses),
                152 => ResNet.ResNet152(spec.NumClasses),
                _ => throw new ArgumentException($"Only ResNet-50, ResNet-101 and ResNet-152 are offered, not depth {depth}.", nameof(depth)),
            };
            try
            {
                if (!string.IsNullOrEmpty(spec.PretrainedPath))
                    ResNetWeights.Load(network, spec.PretrainedPath, skipClassifier: true);
                if (spec.FreezeBackbone) network.FreezeAllButLastBlock();
                return new ResNetClassifier(network, spec.Bf16);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }

        /// <summary>The wrapped network (torchvision state_dict keys).</summary>
        public ResNet Network => resnet;

        /// <summary>Whether the backbone runs in bfloat16.</summary>
        public bool Bf16 { get; }

        /// <summary>Whether only the last Bottleneck block and the classifier are trainable.</summary>
        public bool IsBackboneFrozen => resnet.IsBackboneFrozen;

        /// <inheritdoc />
        public override int NumClasses => resnet.NumClasses;

        /// <inheritdoc />
        public override int FeatureDim => resnet.FeatureDimension;

        /// <inheritdoc />
        public override Linear Head => resnet.Classifier;

        /// <summary>Pooled float32 features [B, 2048] of images [B, 3, H, W]; the backbone in bfloat16 when <see cref="Bf16"/>.</summary>
        /// <param name="input">float32 images [B, 3, H, W].</param>
        /// <returns>Features [B, 2048], float32.</returns>
        /// <exception cref="ArgumentException"><paramref name="input"/> is not [B, 3, H, W].</exception>
        public override Tensor Features(Tensor input) =>
            Bf16 ? resnet.Features(input, ScalarType.BFloat16) : resnet.Features(input);

        /// <summary>Number of parameters that receive gradients (all of them unless the backbone is frozen).</summary>
        /// <returns>The sum of the element counts of the trainable parameters.</returns>
        public long TrainableParameterCount()
        {
            long total = 0;
            foreach (var p in parameters())
                if (p.requires_grad) total += p.numel();
            return total;
        }

        /// <summary>The names of the parameters that receive gradients.</summary>
        /// <returns>Names as in this module's state_dict.</returns>
        public IReadOnlyList<string> TrainableParameterNames()
        {
            var names = new List<string>();
            foreach (var (name, p) in named_parameters())
                if (p.requires_grad) names.Add(name);
            return names;
        }
    }
}
