using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    // Functional forms of the authors' ARB-Loss variants (lilydedbb/ARBLOSS, train_stage2.py: ARB_Loss_FL, WARB_Loss,
    // and label-aware smoothing). Every variant works on the ARB probabilities
    //     p_j = n_j e^{z_j} / sum_k n_k e^{z_k} = softmax(z + log n)_j,
    // computed as a log-softmax of z + log n: exact, no clamp (the authors clamp the logits to [-30, 30]). Classes with
    // n_j = 0 have log n_j = -inf: they drop out of the softmax and get exactly zero gradient. Half-precision logits are
    // computed in float32, as arb_loss does.
    public static partial class Functional
    {
        /// <summary>
        /// Focal ARB-Loss (the authors' <c>ARB_Loss_FL</c>, config key <c>arbloss_fl</c>): per sample
        /// <c>l = -(1 - p_y)^gamma log p_y</c> with the ARB probability <c>p = softmax(z + log n)</c>. <c>gamma = 0</c>
        /// is exactly <see cref="arb_loss"/>.
        /// </summary>
        /// <remarks>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample), an
        /// ignore index and per-class weights. Batch counts count the non-ignored positions of the call. Ignored positions
        /// give no loss and exactly zero gradient; Mean divides by the number of non-ignored positions, or with a weight by
        /// the sum of their classes' weights (as <c>cross_entropy</c>, so that <c>gamma = 0</c> is exactly
        /// <see cref="arb_loss"/> with that weight); all positions ignored gives 0 with zero gradient. Label smoothing is
        /// not supported: the focusing factor needs one target class.</remarks>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64. Half-precision
        /// logits are computed in float32; the loss is then float32 and the gradient comes back in the input's dtype.</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, in [0, C) or <paramref name="ignoreIndex"/>,
        /// on the logits' device.</param>
        /// <param name="classCounts">Per-class counts <c>n</c> [C] on the logits' device (any real dtype), e.g. training-set
        /// counts. When null, the counts of <paramref name="target"/> itself are used (batch counts, the authors'
        /// default). A class with count 0 drops out of the softmax and gets zero gradient; a target whose class has count 0
        /// is an error.</param>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2, as the authors; their alpha is 1).</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives the targets' shape (0 at ignored positions). An
        /// empty batch gives 0 (Mean, Sum) or an empty tensor (None), with zero gradient.</param>
        /// <param name="validate">Check targets and counts (one device synchronisation); pass false on hot paths with
        /// known-good inputs (invalid values then give undefined results).</param>
        /// <param name="weight">Optional per-class weights [C] (finite, non-negative) on the logits' device.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: label smoothing is not supported.</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="target"/> is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative, NaN or infinite counts; a
        /// target whose count is 0; a weight of the wrong length, dtype, device or values; a non-zero
        /// <paramref name="labelSmoothing"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative, NaN or infinite.</exception>
        public static Tensor arb_focal_loss(Tensor input, Tensor target, Tensor? classCounts = null, double gamma = 2.0,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            RejectFocalSmoothing(labelSmoothing);
            if (DensePositions.Needed(input, ignoreIndex, weight is not null) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, ignoreIndex, validate))
                return ArbFocalDenseChecked(input, target, classCounts, gamma, reduction, validate, weight, ignoreIndex);
            try
            {
                CheckVariantShapes(input, target, classCounts);
                CheckArbFocalGamma(gamma);
                if (validate) LossChecks.Values(target, input.size(1), classCounts, nameof(target), nameof(classCounts));
            }
            catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
            {
                return ArbFocalDenseChecked(input, target, classCounts, gamma, reduction, validate, weight, ignoreIndex);
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            var logCounts = VariantLogCounts(target, input.size(1), classCounts, x.dtype);
            return ArbFocalCore(x, target, logCounts, gamma, reduction).MoveToOuterDisposeScope();
        }

        private static Tensor ArbFocalDenseChecked(Tensor input, Tensor target, Tensor? classCounts, double gamma, nn.Reduction reduction,
            bool validate, Tensor? weight, long ignoreIndex)
        {
            CheckDenseVariantShapes(input, target, classCounts);
            CheckArbFocalGamma(gamma);
            if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), values: validate);
            long classes = input.size(1);
            return ArbFocalDense(input, target, (y, dtype) => DenseVariantLogCounts(y, classes, classCounts, dtype, validate), gamma, weight, ignoreIndex, reduction);
        }

        /// <summary>Dense logits and targets, and (when given) the ARB count tensor's shape, dtype and device.</summary>
        private static void CheckDenseVariantShapes(Tensor input, Tensor target, Tensor? classCounts)
        {
            DensePositions.CheckShapes(input, target, null);
            if (classCounts is not null) LossChecks.CountsShape(classCounts, input, nameof(classCounts));
        }

        /// <summary>
        /// Weighted ARB-Loss (the authors' <c>WARB_Loss</c>, config key <c>warbloss</c>): per sample
        /// <c>l_s = (m / n_{y_s}) * ARB_s</c>, with <c>ARB_s = logsumexp_j (z_j + log n_j) - (z_y + log n_y)</c> and
        /// <c>m = sum_j n_j / #{j : n_j &gt; 0}</c>, the mean count over the classes with a positive count.
        /// </summary>
        /// <remarks>
        /// <para>With batch counts (<paramref name="classCounts"/> null) <c>m = B / (classes present in the batch)</c>, the
        /// authors' formula; the weights then sum to B over the batch. With explicit counts the same formula is applied
        /// to the given counts: for training-set counts in which every class has samples it equals the authors'
        /// <c>sum(n) / C</c>; where some class has count 0 ours divides by the number of non-empty classes instead, so
        /// that the weights average 1 over the training set.</para>
        /// <para>The weights are constants: no gradient flows through them. Mean is the plain mean over the B samples of
        /// the weighted losses (the authors' <c>loss.mean()</c>), not a division by the sum of the weights. Equal counts
        /// give weight 1 for every sample, i.e. exactly <see cref="arb_loss"/>.</para>
        /// </remarks>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64. Half-precision
        /// logits are computed in float32; the loss is then float32 and the gradient comes back in the input's dtype.</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, in [0, C) or <paramref name="ignoreIndex"/>,
        /// on the logits' device. Every position is a sample; batch counts count the non-ignored positions.</param>
        /// <param name="classCounts">Per-class counts <c>n</c> [C] on the logits' device (any real dtype); when null, the
        /// counts of <paramref name="target"/> (batch counts, the authors' default). A class with count 0 drops out of the
        /// softmax and gets zero gradient; a target whose class has count 0 is an error.</param>
        /// <param name="reduction">Mean (over the non-ignored samples) or Sum give a scalar, None gives the weighted losses
        /// in the targets' shape (0 at ignored positions). An empty batch gives 0 (Mean, Sum) or an empty tensor (None),
        /// with zero gradient; so does a call whose positions are all ignored (Mean, Sum).</param>
        /// <param name="validate">Check targets and counts (one device synchronisation); pass false on hot paths with
        /// known-good inputs (invalid values then give undefined results).</param>
        /// <param name="weight">Must be null: the loss already weights each sample by <c>m / n_y</c>; for your own class
        /// weights use <see cref="arb_loss"/> or <see cref="arb_focal_loss"/>.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] of the ARB part, as <see cref="arb_loss"/>'s (spread over
        /// the classes with a positive count); each position's smoothed loss is then weighted by <c>m / n_y</c>.</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="target"/> is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative, NaN or infinite counts; a
        /// target whose count is 0; a <paramref name="weight"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public static Tensor weighted_arb_loss(Tensor input, Tensor target, Tensor? classCounts = null,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            RejectWeightedArbOptions(weight);
            DensePositions.CheckLabelSmoothing(labelSmoothing);
            if (DensePositions.Needed(input, ignoreIndex, labelSmoothing != 0) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, ignoreIndex, validate))
                return WeightedArbDenseChecked(input, target, classCounts, reduction, validate, ignoreIndex, labelSmoothing);
            try
            {
                CheckVariantShapes(input, target, classCounts);
                if (validate) LossChecks.Values(target, input.size(1), classCounts, nameof(target), nameof(classCounts));
            }
            catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
            {
                return WeightedArbDenseChecked(input, target, classCounts, reduction, validate, ignoreIndex, labelSmoothing);
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction).MoveToOuterDisposeScope();
            var counts = VariantCounts64(target, input.size(1), classCounts);
            return WeightedArbCore(x, target, counts.log().to_type(x.dtype), WeightedArbClassWeights(counts).to_type(x.dtype), reduction)
                .MoveToOuterDisposeScope();
        }

        private static Tensor WeightedArbDenseChecked(Tensor input, Tensor target, Tensor? classCounts, nn.Reduction reduction,
            bool validate, long ignoreIndex, double labelSmoothing)
        {
            CheckDenseVariantShapes(input, target, classCounts);
            long classes = input.size(1);
            return WeightedArbDense(input, target, y =>
            {
                if (classCounts is not null && validate) LossChecks.Values(y, classes, classCounts, nameof(target), nameof(classCounts));
                return VariantCounts64(y, classes, classCounts);
            }, ignoreIndex, labelSmoothing, reduction);
        }

        /// <summary>
        /// ARB-Loss with label-aware smoothing (MiSLAS's smoothing, Zhong et al., CVPR 2021, applied to the ARB-adjusted
        /// logits <c>z + log n</c>): per sample
        /// <c>l = (1 - eps_y) (-log p_y) + eps_y * mean_{j : n_j &gt; 0} (-log p_j)</c> with <c>p = softmax(z + log n)</c>.
        /// All smoothing factors 0 give exactly <see cref="arb_loss"/>.
        /// </summary>
        /// <remarks>
        /// <para>The factor <c>eps_y</c> comes from the training counts <paramref name="trainingCounts"/> exactly as in
        /// <see cref="label_aware_smoothing_loss"/>: <paramref name="smoothHead"/> at the largest class,
        /// <paramref name="smoothTail"/> at the smallest non-empty one, along <paramref name="shape"/>; an empty class gets
        /// the tail factor; equal counts give every class the head factor.</para>
        /// <para>The uniform part of the smoothed target is spread over the K classes with a positive ARB count <c>n_j</c>
        /// (with batch counts: the classes present in the batch), since the others have probability 0 under the ARB
        /// softmax and would make the loss infinite. With ARB counts that are all positive, K = C and this is MiSLAS's
        /// loss on <c>z + log n</c>. Classes with <c>n_j = 0</c> get exactly zero gradient.</para>
        /// </remarks>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64. Half-precision
        /// logits are computed in float32; the loss is then float32 and the gradient comes back in the input's dtype.</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, in [0, C) or <paramref name="ignoreIndex"/>,
        /// on the logits' device. Every position is a sample; batch counts count the non-ignored positions.</param>
        /// <param name="trainingCounts">Training-set counts [C] on the logits' device; they set the smoothing factors
        /// (non-negative, finite, at least one positive).</param>
        /// <param name="classCounts">The ARB counts <c>n</c> [C] on the logits' device; when null, the counts of
        /// <paramref name="target"/> (batch counts). For global counts pass the training counts here as well. A target
        /// whose ARB count is 0 is an error.</param>
        /// <param name="smoothHead">Smoothing of the largest class, in [0, 1) (MiSLAS's <c>smooth_head</c>, default 0.4).</param>
        /// <param name="smoothTail">Smoothing of the smallest class, in [0, 1) (MiSLAS's <c>smooth_tail</c>, default 0.1).</param>
        /// <param name="shape">Concave (default, as MiSLAS), linear, convex or exponential.</param>
        /// <param name="power">Exponent of the exponential shape, finite and &gt; 0 (default 2); ignored otherwise.</param>
        /// <param name="reduction">Mean (over the non-ignored samples) or Sum give a scalar, None gives the targets' shape
        /// (0 at ignored positions). An empty batch gives 0 (Mean, Sum) or an empty tensor (None), with zero gradient; so
        /// does a call whose positions are all ignored (Mean, Sum).</param>
        /// <param name="validate">Check targets and counts (device synchronisations); pass false on hot paths with
        /// known-good inputs (invalid values then give undefined results).</param>
        /// <param name="weight">Must be null: MiSLAS's smoothed loss has no class weights (use <see cref="arb_loss"/> with
        /// <c>weight</c> and <c>labelSmoothing</c> for a weighted, uniformly smoothed ARB-Loss).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: the loss smooths each target by its class's factor; for one uniform
        /// factor pass <paramref name="smoothHead"/> and <paramref name="smoothTail"/> equal to it.</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="input"/>, <paramref name="target"/> or
        /// <paramref name="trainingCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative, NaN, infinite or
        /// (training counts) all-zero counts; a target whose ARB count is 0; a <paramref name="weight"/> or a non-zero
        /// <paramref name="labelSmoothing"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A smoothing factor outside [0, 1), <paramref name="power"/> or
        /// <paramref name="shape"/> out of range.</exception>
        public static Tensor arb_label_aware_smoothing_loss(Tensor input, Tensor target, Tensor trainingCounts, Tensor? classCounts = null,
            double smoothHead = 0.4, double smoothTail = 0.1, SmoothingShape shape = SmoothingShape.Concave, double power = 2.0,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            RejectLabelAwareOptions(weight, labelSmoothing);
            bool dense = DensePositions.Needed(input, ignoreIndex, false) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, ignoreIndex, validate);
            if (!dense)
            {
                try
                {
                    CheckVariantShapes(input, target, classCounts);
                    if (trainingCounts is null) throw new ArgumentNullException(nameof(trainingCounts));
                    LossChecks.CountsShape(trainingCounts, input, nameof(trainingCounts));
                    CheckArbSmoothing(smoothHead, smoothTail, shape, power);
                    if (validate)
                    {
                        LossChecks.CountTensorValues(trainingCounts, nameof(trainingCounts));
                        LossChecks.Values(target, input.size(1), classCounts, nameof(target), nameof(classCounts));
                    }
                }
                catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
                {
                    dense = true;
                }
            }
            if (dense)
            {
                CheckDenseVariantShapes(input, target, classCounts);
                if (trainingCounts is null) throw new ArgumentNullException(nameof(trainingCounts));
                LossChecks.CountsShape(trainingCounts, input, nameof(trainingCounts));
                CheckArbSmoothing(smoothHead, smoothTail, shape, power);
                if (validate) LossChecks.CountTensorValues(trainingCounts, nameof(trainingCounts));
            }
            using var scope = NewDisposeScope();
            var smoothing = LabelAwareSmoothingFactors(trainingCounts.detach().to_type(ScalarType.Float64), smoothHead, smoothTail, shape, power);
            if (dense)
            {
                long classes = input.size(1);
                return ArbLabelAwareSmoothingDense(input, target, (y, dtype) => DenseVariantLogCounts(y, classes, classCounts, dtype, validate),
                    smoothing, ignoreIndex, reduction).MoveToOuterDisposeScope();
            }
            var x = ComputeInput(input);
            var logCounts = VariantLogCounts(target, input.size(1), classCounts, x.dtype);
            return ArbLabelAwareSmoothingCore(x, target, logCounts, smoothing.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        // ----- checks shared with the variant modules -----

        /// <summary>Logits, targets and (when given) the ARB count tensor's shape, dtype and device.</summary>
        private static void CheckVariantShapes(Tensor input, Tensor target, Tensor? classCounts)
        {
            LossChecks.Logits(input, nameof(input));
            LossChecks.Target(target, input, nameof(target));
            if (classCounts is not null) LossChecks.CountsShape(classCounts, input, nameof(classCounts));
        }

        internal static void CheckArbFocalGamma(double gamma) =>
            LossChecks.Parameter(gamma, gamma >= 0 && !double.IsInfinity(gamma), nameof(gamma),
                "The focal gamma must be finite and >= 0 (0 gives plain ARB-Loss; the authors use 2).");

        internal static void CheckArbSmoothing(double smoothHead, double smoothTail, SmoothingShape shape, double power)
        {
            LossChecks.Parameter(smoothHead, smoothHead >= 0 && smoothHead < 1, nameof(smoothHead), "The head smoothing factor must lie in [0, 1) (MiSLAS's smooth_head; 0 everywhere gives plain ARB-Loss).");
            LossChecks.Parameter(smoothTail, smoothTail >= 0 && smoothTail < 1, nameof(smoothTail), "The tail smoothing factor must lie in [0, 1) (MiSLAS's smooth_tail; 0 everywhere gives plain ARB-Loss).");
            if (shape < SmoothingShape.Concave || shape > SmoothingShape.Exponential)
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "The smoothing shape must be Concave, Linear, Convex or Exponential.");
            LossChecks.Parameter(power, power > 0 && !double.IsInfinity(power), nameof(power), "The exponential shape's power must be finite and > 0.");
        }

        // ----- counts (validated inputs; for use inside a dispose scope) -----

        /// <summary>log n [C] in <paramref name="dtype"/>: of the given counts, or of the batch counts of <paramref name="target"/>.</summary>
        internal static Tensor VariantLogCounts(Tensor target, long numClasses, Tensor? classCounts, ScalarType dtype) =>
            classCounts is null ? BatchLogCounts(target, numClasses, dtype) : LogOf(classCounts.detach(), dtype);

        /// <summary>n [C] in float64: the given counts (detached), or the batch counts of <paramref name="target"/>.</summary>
        internal static Tensor VariantCounts64(Tensor target, long numClasses, Tensor? classCounts) =>
            classCounts is null
                ? target.bincount(null, numClasses).to_type(ScalarType.Float64)
                : classCounts.detach().to_type(ScalarType.Float64);

        /// <summary>
        /// Weighted-ARB class weights <c>m / n_c</c> with <c>m = sum(n) / #{c : n_c &gt; 0}</c>, 0 for classes with
        /// count 0 (no target may have one). Float64 counts in, float64 out, on the counts' device.
        /// </summary>
        internal static Tensor WeightedArbClassWeights(Tensor counts64)
        {
            var present = counts64.gt(Constants.Zero);
            var mean = counts64.sum().div(present.sum().to_type(ScalarType.Float64));
            return mean.div(counts64).masked_fill(present.logical_not(), DensePositions.Zero);
        }

        // ----- loss cores on validated inputs in the computation dtype (float32 or float64) -----

        /// <summary>Focal ARB per sample, reduced; <c>gamma = 0</c> is <see cref="ArbLossCore"/> itself.</summary>
        internal static Tensor ArbFocalCore(Tensor x, Tensor target, Tensor logCounts, double gamma, nn.Reduction reduction)
        {
            if (gamma == 0) return ArbLossCore(x, target, logCounts, reduction);
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            return Reduce(FocalPerSample(x.add(logCounts, Constants.One), target, gamma), reduction);
        }

        /// <summary>Weighted ARB: per-sample ARB-Loss times the (constant) weight of the target's class, reduced.</summary>
        internal static Tensor WeightedArbCore(Tensor x, Tensor target, Tensor logCounts, Tensor classWeights, nn.Reduction reduction)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var perSample = ArbLossCore(x, target, logCounts, nn.Reduction.None);
            return Reduce(perSample.mul(classWeights.detach().index_select(0, target)), reduction);
        }

        /// <summary>
        /// Label-aware smoothing on <c>x + logCounts</c>, the uniform part over the classes with finite log count.
        /// </summary>
        internal static Tensor ArbLabelAwareSmoothingCore(Tensor x, Tensor target, Tensor logCounts, Tensor smoothing, nn.Reduction reduction)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var (logPy, logProb) = LogProbabilities(x.add(logCounts, Constants.One), target);
            var absent = logCounts.isneginf();
            var present = absent.logical_not().sum().to_type(x.dtype);
            // Absent classes have log p = -inf; they are left out of the mean (masked_fill passes them no gradient).
            var meanLogP = logProb.masked_fill(absent.unsqueeze(0), DensePositions.Zero).sum(1).div(present);
            var eps = smoothing.index_select(0, target);
            // Scalars cached (Functional.Constants, DensePositions): no finalizer-only Scalar per call. The alpha is given
            // explicitly: Tensor.add(Scalar) makes its own Scalar 1 for it.
            var perSample = logPy.neg().mul(eps.neg().add(Constants.One, Constants.One)).add(meanLogP.neg().mul(eps), Constants.One);
            return Reduce(perSample, reduction);
        }
    }
}
