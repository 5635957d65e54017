using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>A two-hidden-layer perceptron for vector data (the synthetic benchmark): linear 128 + ReLU,
    /// linear 128 + ReLU (the features), linear C (the head).</summary>
    public sealed class MlpNet : ClassifierNetwork
    {
        private readonly Linear fc1;
        private readonly Linear fc2;
        private readonly Linear head;
        private readonly int _numClasses;

        /// <summary>Builds the network.</summary>
        /// <param name="inputDim">Length of the input vectors.</param>
        /// <param name="numClasses">Number of classes C.</param>
        /// <exception cref="System.ArgumentOutOfRangeException">A size is too small.</exception>
        public MlpNet(int inputDim, int numClasses) : base(nameof(MlpNet))
        {
            if (inputDim < 1) throw new System.ArgumentOutOfRangeException(nameof(inputDim), inputDim, "Must be positive.");
            CheckClasses(numClasses, nameof(numClasses));
            _numClasses = numClasses;
            fc1 = nn.Linear(inputDim, 128);
            fc2 = nn.Linear(128, 128);
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
            return nn.functional.relu(fc2.call(nn.functional.relu(fc1.call(input)))).MoveToOuterDisposeScope();
        }
    }
}
