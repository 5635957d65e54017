using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Samples.Models
{
    /// <summary>
    /// An image classifier split into a feature extractor and a final linear layer, so that the training loop can
    /// read the penultimate features (for the attraction / repulsion diagnostics) and the classifier weights.
    /// Every backbone of the samples app derives from it; <c>ModelFactory</c> builds them by name.
    /// </summary>
    public abstract class ClassifierNetwork : nn.Module<Tensor, Tensor>
    {
        /// <summary>Creates the module with TorchSharp's module name <paramref name="name"/>.</summary>
        /// <param name="name">Module name, shown in TorchSharp's state dictionaries.</param>
        protected ClassifierNetwork(string name) : base(name)
        {
        }

        /// <summary>Number of classes C (the logits' width).</summary>
        public abstract int NumClasses { get; }

        /// <summary>Width D of the feature vector that the final linear layer reads.</summary>
        public abstract int FeatureDim { get; }

        /// <summary>The final linear layer, features [B, D] to logits [B, C].</summary>
        public abstract Linear Head { get; }

        /// <summary>Computes the features [B, D] of a batch of inputs.</summary>
        /// <param name="input">A batch shaped as the backbone expects (e.g. [B, 3, 32, 32]).</param>
        /// <returns>The penultimate features [B, D].</returns>
        public abstract Tensor Features(Tensor input);

        /// <summary>
        /// Whether the head computes cosine logits, <c>z_j = (f / ||f||) . (W_j / ||W_j||)</c> in [-1, 1] (bias unused),
        /// as Cao et al.'s LDAM does (their <c>NormedLinear</c>, with the loss's scale s = 30 applied afterwards); false
        /// (default) for the plain linear head <c>f W^T + b</c>. The samples app turns it on for <c>ldam</c> and <c>ldam_drw</c>.
        /// </summary>
        public bool CosineHead { get; set; }

        /// <summary>Computes the logits [B, C]: the head applied to <see cref="Features"/>.</summary>
        /// <param name="input">A batch shaped as the backbone expects.</param>
        /// <returns>Logits [B, C].</returns>
        public override Tensor forward(Tensor input) => ForwardWithFeatures(input).Logits;

        /// <summary>Computes features and logits in one pass.</summary>
        /// <param name="input">A batch shaped as the backbone expects.</param>
        /// <returns>The features [B, D] the head reads (L2-normalised under <see cref="CosineHead"/>, so that the
        /// attraction / repulsion diagnostics see the head's real input) and the logits [B, C].</returns>
        public (Tensor Features, Tensor Logits) ForwardWithFeatures(Tensor input) => ApplyHead(Features(input));

        /// <summary>Whether the network predicts every position (segmentation: features [B, D, d1, ..., dk], logits
        /// [B, C, d1, ..., dk]) rather than one class per input.</summary>
        public virtual bool IsDense => false;

        /// <summary>The head on features whose last dimension is D: the linear head, or the cosine head under
        /// <see cref="CosineHead"/> (then the features returned are the unit vectors the head reads).</summary>
        /// <param name="features">Features [..., D].</param>
        /// <returns>The features the head read and the logits [..., C].</returns>
        protected virtual (Tensor Features, Tensor Logits) ApplyHead(Tensor features)
        {
            if (!CosineHead) return (features, Head.call(features));
            using var scope = torch.NewDisposeScope();
            var unit = torch.nn.functional.normalize(features, p: 2, dim: -1);
            var rows = torch.nn.functional.normalize(Head.weight!, p: 2, dim: 1);
            var logits = torch.nn.functional.linear(unit, rows);
            return (unit.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
        }

        /// <summary>Number of trainable scalars.</summary>
        /// <returns>The sum of the element counts of all parameters.</returns>
        public long ParameterCount()
        {
            long total = 0;
            foreach (var p in parameters()) total += p.numel();
            return total;
        }

        /// <summary>Checks that a class count is usable.</summary>
        /// <param name="numClasses">The number of classes.</param>
        /// <param name="argumentName">The caller's argument name.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 2.</exception>
        protected static void CheckClasses(int numClasses, string argumentName)
        {
            if (numClasses < 2)
                throw new ArgumentOutOfRangeException(argumentName, numClasses, "A classifier needs at least 2 classes.");
        }
    }
}
