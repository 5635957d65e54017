using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// ResNet with <see cref="ResNetBottleneck"/> blocks in torchvision's exact layout (<c>conv1</c>, <c>bn1</c>,
    /// <c>layer1</c>..<c>layer4</c>, <c>fc</c>), so its state_dict keys and shapes equal torchvision's and ImageNet
    /// weights load by name (<see cref="ResNetWeights"/>). Initialised as torchvision does: Kaiming-normal (fan-out,
    /// ReLU) convolutions, batch norms at weight 1 and bias 0, PyTorch's default for <c>fc</c>.
    /// </summary>
    /// <remarks>
    /// For Places-LT, MiSLAS trains an ImageNet-pretrained ResNet-152 with a frozen backbone (see
    /// <see cref="FreezeAllButLastBlock"/>); the ARB-Loss authors' <c>resnet50_fe</c> setup is
    /// <see cref="PlacesResNetClassifier"/>, which runs a classifier-less ResNet (<c>numClasses: 0</c>) and reads its
    /// layer4 map (<see cref="FeatureMap(Tensor)"/>).
    /// </remarks>
    public sealed class ResNet : nn.Module<Tensor, Tensor>
    {
        // Field names are the torchvision module names (RegisterComponents uses them as state_dict keys).
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly ReLU relu;
        private readonly MaxPool2d maxpool;
        private readonly Sequential layer1;
        private readonly Sequential layer2;
        private readonly Sequential layer3;
        private readonly Sequential layer4;
        private readonly AdaptiveAvgPool2d avgpool;
        private Linear? fc;

        private readonly ResNetBottleneck[] _lastStageBlocks;
        private readonly ResNetBottleneck[][] _stageBlocks;
        private readonly int[] _blocks;
        private bool _frozen;

        /// <summary>Creates a bottleneck ResNet.</summary>
        /// <param name="blocksPerStage">Bottleneck blocks in layer1..layer4, e.g. {3, 4, 6, 3} for ResNet-50.</param>
        /// <param name="numClasses">Outputs of <c>fc</c>; 0 for a feature extractor without <c>fc</c> (the authors'
        /// <c>resnet*_fe</c>: no <c>fc.*</c> keys; use <see cref="Features(Tensor)"/> or <see cref="FeatureMap(Tensor)"/>).</param>
        /// <param name="name">Module name.</param>
        /// <param name="device">Device to create the parameters on; null for the default (CPU).</param>
        /// <exception cref="ArgumentNullException"><paramref name="blocksPerStage"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="blocksPerStage"/> does not have four positive entries.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is negative.</exception>
        public ResNet(IReadOnlyList<int> blocksPerStage, int numClasses = 1000, string name = "ResNet", Device? device = null) : base(name)
        {
            if (blocksPerStage is null) throw new ArgumentNullException(nameof(blocksPerStage));
            if (blocksPerStage.Count != 4 || blocksPerStage.Any(b => b < 1))
                throw new ArgumentException("Give four positive block counts, one per stage (ResNet-50: 3, 4, 6, 3).", nameof(blocksPerStage));
            if (numClasses < 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1 (or 0 for no classifier).");
            _blocks = blocksPerStage.ToArray();
            conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false, device: device);
            bn1 = nn.BatchNorm2d(64, device: device);
            relu = nn.ReLU(inplace: true);
            maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
            long inPlanes = 64;
            layer1 = MakeStage(ref inPlanes, 64, _blocks[0], 1, device, out var stage1);
            layer2 = MakeStage(ref inPlanes, 128, _blocks[1], 2, device, out var stage2);
            layer3 = MakeStage(ref inPlanes, 256, _blocks[2], 2, device, out var stage3);
            layer4 = MakeStage(ref inPlanes, 512, _blocks[3], 2, device, out _lastStageBlocks);
            _stageBlocks = new[] { stage1, stage2, stage3, _lastStageBlocks };
            avgpool = nn.AdaptiveAvgPool2d(1);
            FeatureDimension = (int)inPlanes;
            fc = numClasses > 0 ? nn.Linear(inPlanes, numClasses, device: device) : null;
            NumClasses = numClasses;
            RegisterComponents();
            using (no_grad())
            {
                foreach (var module in modules())
                {
                    if (module is Conv2d conv)
                        nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                }
            }
        }

        /// <summary>ResNet-50 (blocks 3, 4, 6, 3; 25,557,032 parameters with 1000 classes).</summary>
        /// <param name="numClasses">Outputs of <c>fc</c> (default 1000, ImageNet); 0 for none (a feature extractor).</param>
        /// <param name="device">Device to create the parameters on; null for the default (CPU).</param>
        /// <returns>A freshly initialised model.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is negative.</exception>
        public static ResNet ResNet50(int numClasses = 1000, Device? device = null) => new(new[] { 3, 4, 6, 3 }, numClasses, "ResNet50", device);

        /// <summary>ResNet-101 (blocks 3, 4, 23, 3).</summary>
        /// <param name="numClasses">Outputs of <c>fc</c> (default 1000, ImageNet); 0 for none (a feature extractor).</param>
        /// <param name="device">Device to create the parameters on; null for the default (CPU).</param>
        /// <returns>A freshly initialised model.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is negative.</exception>
        public static ResNet ResNet101(int numClasses = 1000, Device? device = null) => new(new[] { 3, 4, 23, 3 }, numClasses, "ResNet101", device);

        /// <summary>ResNet-152 (blocks 3, 8, 36, 3; 60,192,808 parameters with 1000 classes).</summary>
        /// <param name="numClasses">Outputs of <c>fc</c> (default 1000, ImageNet); 0 for none (a feature extractor).</param>
        /// <param name="device">Device to create the parameters on; null for the default (CPU).</param>
        /// <returns>A freshly initialised model.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is negative.</exception>
        public static ResNet ResNet152(int numClasses = 1000, Device? device = null) => new(new[] { 3, 8, 36, 3 }, numClasses, "ResNet152", device);

        /// <summary>Bottleneck blocks per stage.</summary>
        public IReadOnlyList<int> BlocksPerStage => _blocks;

        /// <summary>Outputs of the classifier <c>fc</c>; 0 when the network has none (<see cref="HasClassifier"/>).</summary>
        public int NumClasses { get; private set; }

        /// <summary>Whether the network has its classifier <c>fc</c> (false for a feature extractor built with 0 classes).</summary>
        public bool HasClassifier => fc is not null;

        /// <summary>Width of the pooled features fed to <c>fc</c> (2048).</summary>
        public int FeatureDimension { get; }

        /// <summary>The classifier.</summary>
        /// <exception cref="InvalidOperationException">The network was built without one (0 classes).</exception>
        public Linear Classifier => fc ?? throw NoClassifier();

        private InvalidOperationException NoClassifier() =>
            new($"{GetName()} was built as a feature extractor without fc (0 classes); call Features or FeatureMap, or ReplaceClassifier first.");

        /// <summary>Whether <see cref="FreezeAllButLastBlock"/> has been applied.</summary>
        public bool IsBackboneFrozen => _frozen;

        private static Sequential MakeStage(ref long inPlanes, long planes, int blocks, long stride, Device? device, out ResNetBottleneck[] created)
        {
            created = new ResNetBottleneck[blocks];
            for (var i = 0; i < blocks; i++)
            {
                created[i] = new ResNetBottleneck(inPlanes, planes, i == 0 ? stride : 1, device);
                inPlanes = planes * ResNetBottleneck.Expansion;
            }
            return nn.Sequential(created.Cast<nn.Module<Tensor, Tensor>>().ToArray());
        }

        /// <summary>Logits [B, NumClasses] of images [B, 3, H, W] (H, W at least 32; 224 for ImageNet weights).</summary>
        /// <param name="input">float images [B, 3, H, W].</param>
        /// <returns>Logits [B, NumClasses].</returns>
        /// <exception cref="ArgumentException"><paramref name="input"/> is not [B, 3, H, W].</exception>
        /// <exception cref="InvalidOperationException">The network has no classifier (built with 0 classes).</exception>
        public override Tensor forward(Tensor input)
        {
            var classifier = Classifier;
            using var scope = NewDisposeScope();
            return classifier.call(Features(input)).MoveToOuterDisposeScope();
        }

        /// <summary>Pooled features [B, FeatureDimension] of images [B, 3, H, W]: everything before <c>fc</c>.</summary>
        /// <param name="input">float images [B, 3, H, W].</param>
        /// <returns>Features [B, FeatureDimension].</returns>
        /// <exception cref="ArgumentException"><paramref name="input"/> is not [B, 3, H, W].</exception>
        public Tensor Features(Tensor input)
        {
            using var scope = NewDisposeScope();
            return avgpool.call(FeatureMap(input)).flatten(1).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The output of <c>layer4</c>, [B, FeatureDimension, H / 32, W / 32] (rounded up), of images [B, 3, H, W]: what the
        /// authors' <c>resnet*_fe</c> feature extractors of <c>models/resnet_places.py</c> return (no pooling, no <c>fc</c>).
        /// </summary>
        /// <param name="input">float images [B, 3, H, W].</param>
        /// <returns>The feature map [B, FeatureDimension, h, w].</returns>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="input"/> is not [B, 3, H, W].</exception>
        public Tensor FeatureMap(Tensor input)
        {
            CheckImages(input);
            using var scope = NewDisposeScope();
            var x = maxpool.call(relu.call(bn1.call(conv1.call(input))));
            return layer4.call(layer3.call(layer2.call(layer1.call(x)))).MoveToOuterDisposeScope();
        }

        private static void CheckImages(Tensor input)
        {
            if (input is null) throw new ArgumentNullException(nameof(input));
            if (input.dim() != 4 || input.shape[1] != 3)
                throw new ArgumentException($"Expected images [B, 3, H, W] but got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        /// <summary>
        /// <see cref="Features(Tensor)"/> with the convolutions in <paramref name="compute"/> precision (bfloat16 for the
        /// samples' <c>bf16: true</c>): the input and each convolution's weight are cast to it for the operation (the casts
        /// are differentiable, so gradients accumulate in the float32 parameters), batch norms run in float32, and the
        /// pooled features come back as float32 so that the classifier and the loss stay in float32.
        /// </summary>
        internal Tensor Features(Tensor input, ScalarType compute)
        {
            using var scope = NewDisposeScope();
            return avgpool.call(FeatureMap(input, compute)).flatten(1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        }

        /// <summary><see cref="FeatureMap(Tensor)"/> with the convolutions in <paramref name="compute"/> precision, batch
        /// norms in float32 (as <see cref="Features(Tensor, ScalarType)"/>); the map comes back in <paramref name="compute"/>.</summary>
        internal Tensor FeatureMap(Tensor input, ScalarType compute)
        {
            CheckImages(input);
            using var scope = NewDisposeScope();
            var cast = LowPrecision.Cast(input, compute);
            var x = LowPrecision.Replace(cast, LowPrecision.Conv(conv1, cast, compute), input);
            x = LowPrecision.Replace(x, LowPrecision.Norm(bn1, x), input);
            x = LowPrecision.Replace(x, maxpool.call(relu.call(x)), input);
            // Each block's input is released once the block has run.
            foreach (var stage in _stageBlocks)
                foreach (var block in stage)
                    x = LowPrecision.Replace(x, block.Forward(x, compute), input);
            return x.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Replaces <c>fc</c> by a freshly initialised Linear(FeatureDimension, <paramref name="numClasses"/>) on the
        /// device and dtype of the old one (which is disposed), or of <c>conv1</c> when the network had none. The new
        /// classifier is trainable even when the backbone is frozen.
        /// </summary>
        /// <param name="numClasses">Outputs of the new classifier.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
        public void ReplaceClassifier(int numClasses)
        {
            if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            var old = fc;
            var like = old?.weight ?? conv1.weight!;
            var replacement = nn.Linear(FeatureDimension, numClasses, device: like.device, dtype: like.dtype);
            replacement.train(old?.training ?? training);
            fc = replacement;
            _internal_submodules["fc"] = replacement;   // same key, same position: state_dict order is unchanged (appended when new)
            NumClasses = numClasses;
            old?.Dispose();
        }

        /// <summary>
        /// The authors' Places-LT setup: freezes the ImageNet-pretrained backbone and leaves trainable only the last
        /// Bottleneck block of <c>layer4</c> (<c>layer4.{n-1}.*</c>: its three convolutions and three batch norms) and
        /// <c>fc</c>. For ResNet-152 that is 4,462,592 backbone parameters plus fc's 2048 * C + C. The frozen part's batch
        /// norms stay in evaluation mode (running statistics fixed) even when <see cref="train"/> is called.
        /// </summary>
        /// <returns>The names of the parameters that remain trainable.</returns>
        public IReadOnlyList<string> FreezeAllButLastBlock()
        {
            var trainablePrefixes = TrainablePrefixes();
            var trainable = new List<string>();
            foreach (var (name, parameter) in named_parameters())
            {
                var keep = trainablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
                parameter.requires_grad = keep;
                if (keep) trainable.Add(name);
            }
            _frozen = true;
            train(training);
            return trainable;
        }

        /// <summary>Makes every parameter trainable again and lets all batch norms follow <see cref="train"/>.</summary>
        public void Unfreeze()
        {
            foreach (var parameter in parameters()) parameter.requires_grad = true;
            _frozen = false;
            train(training);
        }

        private string[] TrainablePrefixes() => new[] { $"layer4.{_lastStageBlocks.Length - 1}.", "fc." };

        /// <summary>
        /// Sets training or evaluation mode. With a frozen backbone (<see cref="FreezeAllButLastBlock"/>) only the last
        /// block of <c>layer4</c> and <c>fc</c> enter training mode; the frozen layers stay in evaluation mode.
        /// </summary>
        /// <param name="train">True for training mode, false for evaluation mode.</param>
        public override void train(bool train = true)
        {
            base.train(train);
            if (_frozen && train)
            {
                bn1.eval();
                layer1.eval();
                layer2.eval();
                layer3.eval();
                for (var i = 0; i < _lastStageBlocks.Length - 1; i++) _lastStageBlocks[i].eval();
            }
        }
    }
}
