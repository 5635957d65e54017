using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    // Functional forms of the comparison losses. Per-class quantities (adjustments, margins, weights, smoothing
    // factors) are computed in float64 from the counts by the same internal helpers that the loss modules use once at
    // construction, then cast to the computation dtype. Half-precision logits are computed in float32.
    public static partial class Functional
    {
        /// <summary>
        /// Logit-adjusted loss (Menon et al., ICLR 2021): cross-entropy of <c>z_j + tau * log pi_j</c>, with
        /// <c>pi = classCounts / sum(classCounts)</c> the training class prior. <c>tau = 0</c> (or equal counts) gives
        /// plain cross-entropy; <c>tau = 1</c> equals Balanced Softmax and ARB-Loss with global counts.
        /// </summary>
        /// <remarks>Accepts what <c>cross_entropy</c> accepts, with its meaning on the adjusted logits: logits [N, C] or
        /// [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample), an ignore index, label
        /// smoothing and per-class weights. Ignored positions give no loss and exactly zero gradient; Mean divides by the
        /// number of non-ignored positions (by the sum of their classes' weights with a weight); all positions ignored
        /// gives 0 with zero gradient. With <c>tau &gt; 0</c> the smoothing is spread over the classes with a positive count
        /// (see <see cref="LogitAdjustedLoss"/>).</remarks>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64.</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, in [0, C) or <paramref name="ignoreIndex"/>,
        /// on the logits' device.</param>
        /// <param name="classCounts">Training-set counts [C] on the logits' device. With <c>tau &gt; 0</c> a class with
        /// count 0 gets adjustment -inf: it drops out of the softmax (no repulsion, zero gradient), and a target of that
        /// class is an error (its loss would be infinite).</param>
        /// <param name="tau">Temperature of the adjustment, finite and &gt;= 0 (default 1).</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives the targets' shape (0 at ignored positions). An
        /// empty batch gives 0 (Mean, Sum) or an empty tensor.</param>
        /// <param name="validate">Check targets and counts (one device synchronisation); pass false on hot paths with known-good inputs.</param>
        /// <param name="weight">Optional per-class weights [C] on the logits' device, as <c>cross_entropy</c>'s.</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss and no gradient (default -100).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1], as <c>cross_entropy</c>'s, on the adjusted logits.</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative, NaN, infinite or all-zero
        /// counts; with <c>tau &gt; 0</c>, a target whose count is 0; a weight of the wrong length, dtype, device or values.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is negative or not finite, or
        /// <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public static Tensor logit_adjusted_loss(Tensor input, Tensor target, Tensor classCounts, double tau = 1.0,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            DensePositions.CheckLabelSmoothing(labelSmoothing);
            if (DensePositions.Needed(input, ignoreIndex, weight is not null || labelSmoothing != 0)
                || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, ignoreIndex, validate))
                return LogitAdjustedDenseChecked(input, target, classCounts, tau, reduction, validate, weight, ignoreIndex, labelSmoothing);
            try
            {
                CheckCommon(input, target, classCounts, nameof(classCounts));
                CheckTau(tau);
                if (validate)
                {
                    LossChecks.CountTensorValues(classCounts, nameof(classCounts));
                    LossChecks.Values(target, input.size(1), tau > 0 ? classCounts : null, nameof(target), nameof(classCounts));
                }
            }
            catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the dense path handles them.
                return LogitAdjustedDenseChecked(input, target, classCounts, tau, reduction, validate, weight, ignoreIndex, labelSmoothing);
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            var adjustment = LogitAdjustmentTerms(classCounts.to_type(ScalarType.Float64), tau).to_type(x.dtype);
            return ArbLossCore(x, target, adjustment, reduction).MoveToOuterDisposeScope();
        }

        private static Tensor LogitAdjustedDenseChecked(Tensor input, Tensor target, Tensor classCounts, double tau,
            nn.Reduction reduction, bool validate, Tensor? weight, long ignoreIndex, double labelSmoothing)
        {
            DensePositions.CheckShapes(input, target, null);
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            LossChecks.CountsShape(classCounts, input, nameof(classCounts));
            CheckTau(tau);
            if (validate) LossChecks.CountTensorValues(classCounts, nameof(classCounts));
            if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), values: validate);
            using var scope = NewDisposeScope();
            var adjustment = LogitAdjustmentTerms(classCounts.detach().to_type(ScalarType.Float64), tau);
            return LogitAdjustedDense(input, target, adjustment, weight, ignoreIndex, labelSmoothing, reduction, validate).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The logit-adjusted loss on the dense / option path, given the float64 adjustment <c>tau log pi</c> [C] on the
        /// logits' device: <see cref="ArbDense"/> with counts <c>pi^tau / max pi^tau</c> (the scale cancels in the softmax;
        /// classes of adjustment -inf get count 0). Shapes are checked by the caller.
        /// </summary>
        internal static Tensor LogitAdjustedDense(Tensor input, Tensor target, Tensor adjustment, Tensor? weight, long ignoreIndex,
            double labelSmoothing, nn.Reduction reduction, bool validate)
        {
            using var scope = NewDisposeScope();
            var relative = adjustment.sub(adjustment.max()).exp();
            return ArbDense.Loss(input, target, relative, weight, ignoreIndex, labelSmoothing, reduction, validate).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Post-hoc logit adjustment for inference (Menon et al.): <c>z_j - tau * log pi_j</c>, so that the arg-max of
        /// a model trained with plain cross-entropy estimates the balanced-error optimal class. A class with count 0
        /// gets -inf (it is never predicted) when <c>tau &gt; 0</c>. <c>tau = 0</c> returns a copy of the logits.
        /// </summary>
        /// <param name="logits">Logits [B, C] (floating point); the result has the same dtype and device.</param>
        /// <param name="classCounts">Training-set counts [C] on the logits' device.</param>
        /// <param name="tau">Temperature, finite and &gt;= 0 (default 1).</param>
        /// <param name="validate">Check the counts (one device synchronisation).</param>
        /// <returns>The adjusted logits [B, C].</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; negative, NaN, infinite or all-zero counts.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is negative or not finite.</exception>
        public static Tensor posthoc_logit_adjustment(Tensor logits, Tensor classCounts, double tau = 1.0, bool validate = true)
        {
            LossChecks.Logits(logits, nameof(logits));
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            LossChecks.CountsShape(classCounts, logits, nameof(classCounts));
            CheckTau(tau);
            if (validate) LossChecks.CountTensorValues(classCounts, nameof(classCounts));
            using var scope = NewDisposeScope();
            if (tau == 0) return logits.clone().MoveToOuterDisposeScope();
            var counts = classCounts.to_type(ScalarType.Float64);
            var shift = LogitAdjustmentTerms(counts, tau).neg().masked_fill(counts.le(Constants.Zero), Constants.NegativeInfinity);
            return logits.add(shift.to_type(logits.dtype), Constants.One).MoveToOuterDisposeScope();
        }

        /// <summary>Post-hoc logit adjustment with host-side counts; see <see cref="posthoc_logit_adjustment(Tensor, Tensor, double, bool)"/>.</summary>
        /// <param name="logits">Logits [B, C] (floating point).</param>
        /// <param name="classCounts">Training-set counts, one per class: non-negative, at least one positive.</param>
        /// <param name="tau">Temperature, finite and &gt;= 0 (default 1).</param>
        /// <returns>The adjusted logits [B, C].</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong logits, or counts of the wrong length, negative or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is negative or not finite.</exception>
        public static Tensor posthoc_logit_adjustment(Tensor logits, long[] classCounts, double tau = 1.0)
        {
            LossChecks.Logits(logits, nameof(logits));
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            var host = LossChecks.HostCounts(Array.ConvertAll(classCounts, c => (double)c), nameof(classCounts));
            if (host.Length != logits.size(1))
                throw new ArgumentException($"There must be one count per class ({logits.size(1)}); got {host.Length}.", nameof(classCounts));
            using var counts = tensor(host, ScalarType.Float64, logits.device);
            return posthoc_logit_adjustment(logits, counts, tau, validate: false);
        }

        /// <summary>
        /// LDAM loss (Cao et al., NeurIPS 2019): cross-entropy of <c>s * (z - m_y e_y)</c>, with per-class margins
        /// <c>m_j proportional to n_j^(-1/4)</c>, scaled so that the smallest non-empty class gets <paramref name="maxMargin"/>.
        /// <c>maxMargin = 0</c> and <c>scale = 1</c> give plain cross-entropy. Cao et al. use it on cosine logits
        /// (normalised features and classifier rows), with the deferred re-weighting of <see cref="DeferredReweighting"/>.
        /// </summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64.</param>
        /// <param name="target">Class indices [B], int64, in [0, C), on the logits' device.</param>
        /// <param name="classCounts">Training-set counts [C] on the logits' device. A class with count 0 is left out of
        /// the margin scaling and gets the largest margin, <paramref name="maxMargin"/>; it stays in the softmax.</param>
        /// <param name="maxMargin">Largest margin (the authors' <c>max_m</c>, default 0.5), finite and &gt;= 0.</param>
        /// <param name="scale">Logit scale s (default 30), finite and &gt; 0.</param>
        /// <param name="weight">Optional per-class weights [C] on the logits' device (finite, non-negative). As in
        /// PyTorch's weighted cross-entropy and the authors' code, Mean is <c>sum_i w_{y_i} l_i / sum_i w_{y_i}</c>
        /// (0 when every target's weight is 0); None gives <c>w_{y_i} l_i</c>.</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives [B]. An empty batch gives 0 (Mean, Sum) or an empty vector.</param>
        /// <param name="validate">Check targets, counts and weights (device synchronisations).</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); negative,
        /// NaN, infinite or all-zero counts; negative or non-finite weights.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMargin"/> or <paramref name="scale"/> is out of range.</exception>
        public static Tensor ldam_loss(Tensor input, Tensor target, Tensor classCounts, double maxMargin = 0.5, double scale = 30.0,
            Tensor? weight = null, nn.Reduction reduction = nn.Reduction.Mean, bool validate = true)
        {
            CheckCommon(input, target, classCounts, nameof(classCounts));
            CheckLdam(maxMargin, scale);
            if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), validate);
            if (validate)
            {
                LossChecks.CountTensorValues(classCounts, nameof(classCounts));
                LossChecks.Values(target, input.size(1), null, nameof(target), nameof(classCounts));
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            var margins = LdamMargins(classCounts.to_type(ScalarType.Float64), maxMargin).to_type(x.dtype);
            return LdamCore(x, target, margins, scale, weight?.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Focal loss (Lin et al., ICCV 2017), multi-class softmax form: <c>-w_y (1 - p_y)^gamma log p_y</c>.
        /// <c>gamma = 0</c> without weights gives plain cross-entropy.
        /// </summary>
        /// <remarks>Logits [N, C] or [N, C, d1, ..., dk] with targets [N] or [N, d1, ..., dk] (every position a sample) and
        /// an ignore index: ignored positions give no loss and exactly zero gradient and are not counted; Mean divides by
        /// the number of non-ignored positions; all positions ignored gives 0 with zero gradient. Label smoothing is not
        /// supported: the focusing factor <c>(1 - p_y)^gamma</c> is defined for one target class, and smoothed targets have
        /// no agreed focal form.</remarks>
        /// <param name="input">Logits [N, C] or [N, C, d1, ..., dk], float16, bfloat16, float32 or float64.</param>
        /// <param name="target">Class indices [N] or [N, d1, ..., dk], int64, in [0, C) or <paramref name="ignoreIndex"/>,
        /// on the logits' device.</param>
        /// <param name="gamma">Focusing parameter, finite and &gt;= 0 (default 2).</param>
        /// <param name="weight">Optional per-class weights [C] (the alpha of Lin et al.) on the logits' device. Mean
        /// divides by the number of (non-ignored) samples (as Lin et al. and the LDAM-DRW code), not by the sum of weights.</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives the targets' shape (0 at ignored positions). An
        /// empty batch gives 0 (Mean, Sum) or an empty tensor.</param>
        /// <param name="validate">Check targets and weights (device synchronisations).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss and no gradient (default -100).</param>
        /// <param name="labelSmoothing">Must be 0: label smoothing is not supported (see remarks).</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException">A required argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size (targets must have the logits' shape
        /// without dimension 1); a target outside [0, C) that is not the ignore index; negative or non-finite weights, or
        /// weights of the wrong length; a non-zero <paramref name="labelSmoothing"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative or not finite.</exception>
        public static Tensor focal_loss(Tensor input, Tensor target, double gamma = 2.0, Tensor? weight = null,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true, long ignoreIndex = -100, double labelSmoothing = 0)
        {
            RejectFocalSmoothing(labelSmoothing);
            if (DensePositions.Needed(input, ignoreIndex, false) || DensePositions.UncheckedTargetsHoldIgnoreIndex(target, ignoreIndex, validate))
                return FocalDenseChecked(input, target, gamma, weight, reduction, validate, ignoreIndex);
            try
            {
                LossChecks.Logits(input, nameof(input));
                LossChecks.Target(target, input, nameof(target));
                CheckGamma(gamma);
                if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), validate);
                if (validate) LossChecks.Values(target, input.size(1), null, nameof(target), nameof(weight));
            }
            catch (ArgumentException) when (HoldsIgnoreIndex(target, ignoreIndex))
            {
                return FocalDenseChecked(input, target, gamma, weight, reduction, validate, ignoreIndex);
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            return FocalCore(x, target, gamma, weight?.to_type(x.dtype), reduction).MoveToOuterDisposeScope();
        }

        private static Tensor FocalDenseChecked(Tensor input, Tensor target, double gamma, Tensor? weight, nn.Reduction reduction,
            bool validate, long ignoreIndex)
        {
            DensePositions.CheckShapes(input, target, null);
            CheckGamma(gamma);
            if (weight is not null) LossChecks.WeightTensor(weight, input, nameof(weight), validate);
            return FocalDense(input, target, gamma, weight, ignoreIndex, reduction);
        }

        /// <summary>Label smoothing is not offered by the focal losses (the focusing factor needs one target class).</summary>
        internal static void RejectFocalSmoothing(double labelSmoothing) =>
            DensePositions.RejectLabelSmoothing(labelSmoothing, "Focal loss",
                "Its focusing factor (1 - p_y)^gamma is defined for one target class and smoothed targets have no agreed focal form; pass labelSmoothing: 0, or use a loss with smoothing (LabelAwareSmoothingLoss, ArbLabelAwareSmoothingLoss, ArbLoss).");

        /// <summary>
        /// Focal loss on the dense / ignore-index path (shapes checked by the caller): the [B, C] core on the non-ignored
        /// positions, Mean over their number.
        /// </summary>
        internal static Tensor FocalDense(Tensor input, Tensor target, double gamma, Tensor? weight, long ignoreIndex, nn.Reduction reduction)
        {
            using var scope = NewDisposeScope();
            var rows = DensePositions.Select(input, target, ignoreIndex);
            var perRow = FocalCore(rows.X, rows.Y, gamma, weight?.to_type(rows.X.dtype), nn.Reduction.None);
            return DensePositions.Reduce(perRow, rows, target.shape, reduction).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Class-balanced loss (Cui et al., CVPR 2019): the base loss of each sample weighted by
        /// <c>w_y proportional to (1 - beta) / (1 - beta^n_y)</c>, the inverse effective number of samples, normalised as
        /// <see cref="LongTail.ClassWeights.EffectiveNumber"/> (mean 1 over the non-empty classes). Mean divides by the
        /// batch size by default (<see cref="WeightedMean.SampleMean"/>: <c>sum_i w_{y_i} l_i / B</c>, as Cui et al.'s code);
        /// <see cref="WeightedMean.WeightSum"/> divides by <c>sum_i w_{y_i}</c> instead, as TorchSharp's
        /// <c>cross_entropy(weight: w)</c>. <c>beta = 0</c> or equal counts give the unweighted base loss (plain
        /// cross-entropy for <see cref="ClassBalancedBase.Softmax"/>) under both.
        /// </summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64.</param>
        /// <param name="target">Class indices [B], int64, in [0, C), on the logits' device.</param>
        /// <param name="classCounts">Training-set counts [C] on the logits' device. A class with count 0 gets weight 0:
        /// samples of it contribute zero loss and zero gradient.</param>
        /// <param name="beta">Effective-number beta in [0, 1) (default 0.9999).</param>
        /// <param name="baseLoss">Softmax cross-entropy (default) or focal loss.</param>
        /// <param name="gamma">Focusing parameter of the focal base loss, finite and &gt;= 0; ignored for Softmax.</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives [B]. An empty batch gives 0 (Mean, Sum) or an empty vector.</param>
        /// <param name="weightedMean">What Mean divides by: the batch size (<see cref="WeightedMean.SampleMean"/>, default, Cui
        /// et al.) or the sum of the batch's weights (<see cref="WeightedMean.WeightSum"/>, TorchSharp's weighted
        /// cross-entropy; 0 when that sum is 0). Ignored for Sum and None.</param>
        /// <param name="validate">Check targets and counts (device synchronisations).</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); negative,
        /// NaN, infinite or all-zero counts.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/>, <paramref name="gamma"/>, <paramref name="baseLoss"/>
        /// or <paramref name="weightedMean"/> is out of range.</exception>
        public static Tensor class_balanced_loss(Tensor input, Tensor target, Tensor classCounts, double beta = 0.9999,
            ClassBalancedBase baseLoss = ClassBalancedBase.Softmax, double gamma = 2.0,
            nn.Reduction reduction = nn.Reduction.Mean, WeightedMean weightedMean = WeightedMean.SampleMean, bool validate = true)
        {
            CheckCommon(input, target, classCounts, nameof(classCounts));
            CheckClassBalanced(beta, baseLoss, gamma, weightedMean);
            if (validate)
            {
                LossChecks.CountTensorValues(classCounts, nameof(classCounts));
                LossChecks.Values(target, input.size(1), null, nameof(target), nameof(classCounts));
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            var weights = EffectiveNumberWeights(classCounts.to_type(ScalarType.Float64), beta).to_type(x.dtype);
            return ClassBalancedCore(x, target, weights, baseLoss, gamma, reduction, weightedMean).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Label-aware smoothing (Zhong et al., MiSLAS, CVPR 2021): label smoothing with a per-class factor
        /// <c>eps_y</c> that moves from <paramref name="smoothTail"/> at the smallest class to <paramref name="smoothHead"/>
        /// at the largest, along <paramref name="shape"/>:
        /// <c>l = (1 - eps_y) (-log p_y) + eps_y * mean_j(-log p_j)</c>. Head and tail factors 0 give plain cross-entropy.
        /// </summary>
        /// <param name="input">Logits [B, C], float16, bfloat16, float32 or float64.</param>
        /// <param name="target">Class indices [B], int64, in [0, C), on the logits' device.</param>
        /// <param name="classCounts">Training-set counts [C] on the logits' device. <c>n_max</c> and <c>n_min</c> are
        /// taken over the non-empty classes; a class with count 0 gets <paramref name="smoothTail"/>. When all non-empty
        /// classes have the same count, every one of them gets <paramref name="smoothHead"/>.</param>
        /// <param name="smoothHead">Smoothing of the largest class, in [0, 1] (default 0.4).</param>
        /// <param name="smoothTail">Smoothing of the smallest class, in [0, 1] (default 0.1).</param>
        /// <param name="shape">Concave (default), linear, convex or exponential.</param>
        /// <param name="power">Exponent of the exponential shape, finite and &gt; 0 (default 2); ignored otherwise.</param>
        /// <param name="reduction">Mean or Sum give a scalar, None gives [B]. An empty batch gives 0 (Mean, Sum) or an empty vector.</param>
        /// <param name="validate">Check targets and counts (device synchronisations).</param>
        /// <returns>The loss.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device or size; a target outside [0, C); negative,
        /// NaN, infinite or all-zero counts.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A smoothing factor, <paramref name="power"/> or <paramref name="shape"/> is out of range.</exception>
        public static Tensor label_aware_smoothing_loss(Tensor input, Tensor target, Tensor classCounts, double smoothHead = 0.4,
            double smoothTail = 0.1, SmoothingShape shape = SmoothingShape.Concave, double power = 2.0,
            nn.Reduction reduction = nn.Reduction.Mean, bool validate = true)
        {
            CheckCommon(input, target, classCounts, nameof(classCounts));
            CheckSmoothing(smoothHead, smoothTail, shape, power);
            if (validate)
            {
                LossChecks.CountTensorValues(classCounts, nameof(classCounts));
                LossChecks.Values(target, input.size(1), null, nameof(target), nameof(classCounts));
            }
            using var scope = NewDisposeScope();
            var x = ComputeInput(input);
            var smoothing = LabelAwareSmoothingFactors(classCounts.to_type(ScalarType.Float64), smoothHead, smoothTail, shape, power).to_type(x.dtype);
            return LabelAwareSmoothingCore(x, target, smoothing, reduction).MoveToOuterDisposeScope();
        }

        // ----- argument checks shared with the loss modules -----

        private static void CheckCommon(Tensor input, Tensor target, Tensor classCounts, string countsName)
        {
            LossChecks.Logits(input, nameof(input));
            LossChecks.Target(target, input, nameof(target));
            if (classCounts is null) throw new ArgumentNullException(countsName);
            LossChecks.CountsShape(classCounts, input, countsName);
        }

        internal static void CheckTau(double tau) =>
            LossChecks.Parameter(tau, tau >= 0 && !double.IsInfinity(tau), nameof(tau), "tau must be finite and >= 0 (1 is Menon et al.'s default; 0 gives plain cross-entropy).");

        internal static void CheckGamma(double gamma) =>
            LossChecks.Parameter(gamma, gamma >= 0 && !double.IsInfinity(gamma), nameof(gamma), "The focal gamma must be finite and >= 0 (0 gives cross-entropy; 2 is Lin et al.'s default).");

        internal static void CheckLdam(double maxMargin, double scale)
        {
            LossChecks.Parameter(maxMargin, maxMargin >= 0 && !double.IsInfinity(maxMargin), nameof(maxMargin), "The largest LDAM margin must be finite and >= 0 (the authors use 0.5).");
            LossChecks.Parameter(scale, scale > 0 && !double.IsInfinity(scale), nameof(scale), "The LDAM logit scale must be finite and > 0 (the authors use 30).");
        }

        internal static void CheckClassBalanced(double beta, ClassBalancedBase baseLoss, double gamma, WeightedMean weightedMean)
        {
            LossChecks.Parameter(beta, beta >= 0 && beta < 1, nameof(beta), "The effective-number beta must lie in [0, 1), e.g. 0.9999.");
            if (baseLoss != ClassBalancedBase.Softmax && baseLoss != ClassBalancedBase.Focal)
                throw new ArgumentOutOfRangeException(nameof(baseLoss), baseLoss, "The base loss must be Softmax or Focal.");
            CheckGamma(gamma);
            if (weightedMean != WeightedMean.SampleMean && weightedMean != WeightedMean.WeightSum)
                throw new ArgumentOutOfRangeException(nameof(weightedMean), weightedMean, "The weighted mean must be SampleMean (divide by the batch size, Cui et al.) or WeightSum (divide by the sum of the weights, as cross_entropy(weight: w)).");
        }

        internal static void CheckSmoothing(double smoothHead, double smoothTail, SmoothingShape shape, double power)
        {
            LossChecks.Parameter(smoothHead, smoothHead >= 0 && smoothHead <= 1, nameof(smoothHead), "The head smoothing factor must lie in [0, 1].");
            LossChecks.Parameter(smoothTail, smoothTail >= 0 && smoothTail <= 1, nameof(smoothTail), "The tail smoothing factor must lie in [0, 1].");
            if (shape < SmoothingShape.Concave || shape > SmoothingShape.Exponential)
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "The smoothing shape must be Concave, Linear, Convex or Exponential.");
            LossChecks.Parameter(power, power > 0 && !double.IsInfinity(power), nameof(power), "The exponential shape's power must be finite and > 0.");
        }

        // ----- per-class quantities (float64 counts in, float64 out, on the counts' device) -----

        /// <summary><c>tau * log(n / sum n)</c>; -inf for empty classes when tau &gt; 0; all zeros when tau = 0.</summary>
        internal static Tensor LogitAdjustmentTerms(Tensor counts, double tau)
        {
            if (tau == 0) return zeros_like(counts);
            using var t = tau.ToScalar();
            return counts.log().sub(counts.sum().log()).mul(t);
        }

        /// <summary>Margins <c>maxMargin * n^(-1/4) / max over non-empty classes of n^(-1/4)</c>; empty classes get maxMargin.</summary>
        internal static Tensor LdamMargins(Tensor counts, double maxMargin)
        {
            // Scalars cached (Constants) or made per call and disposed at its end: a finalizer-only Scalar pins holes in glibc's heap.
            using var largest = maxMargin.ToScalar();
            var empty = counts.le(Constants.Zero);
            var r = counts.pow(Constants.MinusQuarter).masked_fill(empty, Constants.ZeroReal);
            return r.div(r.max()).mul(largest).masked_fill(empty, largest);
        }

        /// <summary>Effective-number weights <c>(1 - beta) / (1 - beta^n)</c>, 0 for empty classes, normalised to mean 1 over non-empty classes.</summary>
        internal static Tensor EffectiveNumberWeights(Tensor counts, double beta)
        {
            var present = counts.gt(Constants.Zero);
            var presentF = present.to_type(counts.dtype);
            Tensor w;
            if (beta == 0)
            {
                w = presentF;
            }
            else
            {
                // 1 - beta^n = -expm1(n log beta); empty classes use n = 1 and are zeroed afterwards.
                var n = where(present, counts, ones_like(counts));
                using var logBeta = Math.Log(beta).ToScalar();
                using var oneMinusBeta = (1 - beta).ToScalar();
                var effective = n.mul(logBeta).expm1().neg();
                w = effective.reciprocal().mul(oneMinusBeta).mul(presentF);
            }
            return w.mul(presentF.sum()).div(w.sum());
        }

        /// <summary>MiSLAS smoothing factors: tail at the smallest non-empty count, head at the largest; empty classes get tail.</summary>
        internal static Tensor LabelAwareSmoothingFactors(Tensor counts, double head, double tail, SmoothingShape shape, double power)
        {
            var present = counts.gt(Constants.Zero);
            var nMax = counts.max();
            var nMin = counts.masked_fill(present.logical_not(), Constants.PositiveInfinity).min();
            var span = nMax.sub(nMin);
            var spanPositive = span.gt(Constants.Zero);
            // x in [0, 1]; x = 1 for every class when all non-empty counts are equal.
            var x = where(spanPositive, counts.sub(nMin).div(where(spanPositive, span, ones_like(span))), ones_like(counts)).clamp(Constants.ZeroReal, Constants.OneReal);
            // Scalars made per call and disposed at its end (a finalizer-only Scalar pins holes in glibc's heap); the alpha
            // of add(Scalar) is given explicitly, as Tensor.add(Scalar) makes its own Scalar 1 for it.
            using var tailValue = tail.ToScalar();
            using var headValue = head.ToScalar();
            using var range = (head - tail).ToScalar();
            using var negativeRange = (-(head - tail)).ToScalar();
            using var exponent = power.ToScalar();
            Tensor f = shape switch
            {
                SmoothingShape.Concave => x.mul(Constants.HalfPi).sin().mul(range).add(tailValue, Constants.One),
                SmoothingShape.Linear => x.mul(range).add(tailValue, Constants.One),
                SmoothingShape.Convex => x.mul(Constants.HalfPi).cos().mul(negativeRange).add(headValue, Constants.One),
                SmoothingShape.Exponential => x.pow(exponent).mul(range).add(tailValue, Constants.One),
                _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Unknown smoothing shape."),
            };
            return f.masked_fill(present.logical_not(), tailValue);
        }

        // ----- loss cores on validated inputs in the computation dtype -----

        /// <summary>Per-sample losses reduced; the input must be non-empty.</summary>
        private static Tensor Reduce(Tensor perSample, nn.Reduction reduction) => reduction switch
        {
            nn.Reduction.None => perSample,
            nn.Reduction.Sum => perSample.sum(),
            _ => perSample.mean(),
        };

        /// <summary><c>log p_y</c> per sample, and the full log-softmax.</summary>
        private static (Tensor logProbTarget, Tensor logProb) LogProbabilities(Tensor x, Tensor target)
        {
            var logProb = nn.functional.log_softmax(x, 1);
            return (logProb.gather(1, target.unsqueeze(1)).squeeze(1), logProb);
        }

        /// <summary>Smallest positive normal number of the dtype (a floor that keeps pow's gradient finite).</summary>
        private static double Tiny(ScalarType dtype) => dtype == ScalarType.Float64 ? 2.2250738585072014e-308 : 1.1754943508222875e-38;

        /// <summary>Focal loss per sample, unweighted: <c>-(1 - p_y)^gamma log p_y</c>.</summary>
        private static Tensor FocalPerSample(Tensor x, Tensor target, double gamma)
        {
            var (logPy, _) = LogProbabilities(x, target);
            if (gamma == 0) return logPy.neg();
            // 1 - p_y as -expm1(log p_y): accurate when p_y is close to 1. The floor avoids 0 * inf in pow's gradient
            // for gamma < 1 (the true gradient of the product is 0 there).
            // Scalars made per call and disposed at once (a finalizer-only Scalar pins holes in glibc's heap).
            using var tiny = Tiny(x.dtype).ToScalar();
            using var exponent = gamma.ToScalar();
            var oneMinusP = logPy.expm1().neg().clamp_min(tiny);
            return oneMinusP.pow(exponent).mul(logPy).neg();
        }

        internal static Tensor LdamCore(Tensor x, Tensor target, Tensor margins, double scale, Tensor? weight, nn.Reduction reduction)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var marginOfTarget = margins.index_select(0, target).neg().unsqueeze(1);
            using var s = scale.ToScalar();   // disposed at the end (TorchSharp frees Scalars in the finalizer only)
            var shifted = x.scatter_add(1, target.unsqueeze(1), marginOfTarget).mul(s);
            if (weight is null) return nn.functional.cross_entropy(shifted, target, reduction: reduction);
            var perSample = nn.functional.cross_entropy(shifted, target, reduction: nn.Reduction.None);
            var w = weight.index_select(0, target);
            var weighted = perSample.mul(w);
            if (reduction != nn.Reduction.Mean) return Reduce(weighted, reduction);
            var total = w.sum();
            return weighted.sum().div(where(total.eq(Constants.Zero), ones_like(total), total));
        }

        internal static Tensor FocalCore(Tensor x, Tensor target, double gamma, Tensor? weight, nn.Reduction reduction)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var perSample = FocalPerSample(x, target, gamma);
            if (weight is not null) perSample = perSample.mul(weight.index_select(0, target));
            return Reduce(perSample, reduction);
        }

        internal static Tensor ClassBalancedCore(Tensor x, Tensor target, Tensor weights, ClassBalancedBase baseLoss, double gamma,
            nn.Reduction reduction, WeightedMean weightedMean)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var perSample = baseLoss == ClassBalancedBase.Focal
                ? FocalPerSample(x, target, gamma)
                : nn.functional.cross_entropy(x, target, reduction: nn.Reduction.None);
            var w = weights.index_select(0, target);
            var weighted = perSample.mul(w);
            if (reduction != nn.Reduction.Mean || weightedMean == WeightedMean.SampleMean) return Reduce(weighted, reduction);
            var total = w.sum();
            return weighted.sum().div(where(total.eq(Constants.Zero), ones_like(total), total));
        }

        internal static Tensor LabelAwareSmoothingCore(Tensor x, Tensor target, Tensor smoothing, nn.Reduction reduction)
        {
            if (x.size(0) == 0) return EmptyBatchLoss(x, reduction);
            var (logPy, logProb) = LogProbabilities(x, target);
            var eps = smoothing.index_select(0, target);
            // The alpha is given explicitly: Tensor.add(Scalar) makes its own Scalar 1 for it.
            var perSample = logPy.neg().mul(eps.neg().add(Constants.One, Constants.One)).add(logProb.mean(new long[] { 1 }).neg().mul(eps), Constants.One);
            return Reduce(perSample, reduction);
        }
    }
}
