using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// A small fully convolutional network for the synthetic segmentation benchmark (backbone name <c>seg_fcn</c>), for RGB
    /// images of any size: four 3x3 convolutions at full resolution with growing dilation (1, 1, 2, 4; receptive field
    /// 17 px), each followed by batch norm and ReLU, 48 channels of features, then the per-pixel linear head (a 1x1
    /// convolution). No down-sampling, so no up-sampling either: the logits are [B, C, H, W] for images [B, 3, H, W].
    /// </summary>
    public sealed class SegmentationFcn : SegmentationNetwork
    {
        private readonly Sequential body;
        private readonly Linear head;
        private readonly int _numClasses;

        /// <summary>Builds the network with freshly initialised weights.</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <param name="inputChannels">Channels of the input images (3 for RGB).</param>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 2 or
        /// <paramref name="inputChannels"/> below 1.</exception>
        public SegmentationFcn(int numClasses, int inputChannels = 3) : base(nameof(SegmentationFcn))
        {
            CheckClasses(numClasses, nameof(numClasses));
            if (inputChannels < 1) throw new System.ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "At least one input channel is needed.");
            _numClasses = numClasses;
            body = nn.Sequential(
                ("conv1", nn.Conv2d(inputChannels, 32, 3, padding: 1)), ("bn1", nn.BatchNorm2d(32)), ("relu1", nn.ReLU(inplace: true)),
                ("conv2", nn.Conv2d(32, 32, 3, padding: 1)), ("bn2", nn.BatchNorm2d(32)), ("relu2", nn.ReLU(inplace: true)),
                ("conv3", nn.Conv2d(32, 48, 3, padding: 2, dilation: 2)), ("bn3", nn.BatchNorm2d(48)), ("relu3", nn.ReLU(inplace: true)),
                ("conv4", nn.Conv2d(48, 48, 3, padding: 4, dilation: 4)), ("bn4", nn.BatchNorm2d(48)), ("relu4", nn.ReLU(inplace: true)));
            head = nn.Linear(48, numClasses);
            RegisterComponents();
        }

        /// <inheritdoc />
        public override int NumClasses => _numClasses;

        /// <inheritdoc />
        public override int FeatureDim => 48;

        /// <inheritdoc />
        public override Linear Head => head;

        /// <summary>The feature map [B, 48, H, W] of images [B, C_in, H, W].</summary>
        /// <param name="input">Images [B, C_in, H, W].</param>
        /// <returns>Features [B, 48, H, W].</returns>
        /// <exception cref="System.ArgumentException"><paramref name="input"/> is not 4-dimensional.</exception>
        public override Tensor Features(Tensor input)
        {
            if (input.dim() != 4) throw new System.ArgumentException($"SegmentationFcn reads images [B, C, H, W]; got rank {input.dim()}.", nameof(input));
            return body.call(input);
        }
    }
}
