using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// The small network of the Fashion-MNIST-LT main job, for 1 x 28 x 28 inputs:
    /// conv 3x3 32 + BN + ReLU + max-pool 2, conv 3x3 64 + BN + ReLU + max-pool 2, flatten,
    /// linear 128 + ReLU (the features), linear C (the head). Convolutions use padding 1. ReLU is applied after the
    /// max-pool, in place: the two commute (both are monotone), and the ReLU then touches a quarter of the values.
    /// </summary>
    public sealed class FashionMnistNet : ClassifierNetwork
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly MaxPool2d pool;
        private readonly Linear fc;
        private readonly Linear head;
        private readonly int _numClasses;

        /// <summary>Builds the network with freshly initialised weights (TorchSharp defaults).</summary>
        /// <param name="numClasses">Number of classes C.</param>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 2.</exception>
        public FashionMnistNet(int numClasses = 10) : base(nameof(FashionMnistNet))
        {
            CheckClasses(numClasses, nameof(numClasses));
            _numClasses = numClasses;
            conv1 = nn.Conv2d(1, 32, 3, padding: 1);
            bn1 = nn.BatchNorm2d(32);
            conv2 = nn.Conv2d(32, 64, 3, padding: 1);
            bn2 = nn.BatchNorm2d(64);
            pool = nn.MaxPool2d(2);
            fc = nn.Linear(64 * 7 * 7, 128);
            head = nn.Linear(128, numClasses);
            RegisterComponents();
        }

        /// <inheritdoc />
        public override int NumClasses => _numClasses;

        /// <inheritdoc />
        public override int FeatureDim => 128;

        /// <inheritdoc />
        public override Linear Head => head;

        /// <inheritdoc />
        public override Tensor Features(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = nn.functional.relu(pool.call(bn1.call(conv1.call(input))), inplace: true);
            x = nn.functional.relu(pool.call(bn2.call(conv2.call(x))), inplace: true);
            return nn.functional.relu(fc.call(x.flatten(1))).MoveToOuterDisposeScope();
        }
    }
}
