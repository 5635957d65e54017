using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// ARB-Loss, the attraction-repulsion-balanced loss of Xie, Yang, Cai and He (Neurocomputing 527, 2023):
    /// <c>L(z, y) = -log( e^{z_y} / sum_j (n_j / n_y) e^{z_j} ) = logsumexp_j (z_j + log n_j) - (z_y + log n_y)</c>.
    /// </summary>
    /// <remarks>
    /// <para>Counts come either from each batch's targets (<see cref="CountSource.Batch"/>, the authors' default:
    /// classes absent from the batch get no repulsion) or from the training set (<see cref="CountSource.Global"/>,
    /// equal to Balanced Softmax / logit adjustment with tau = 1).</para>
    /// <para>Computed in log-sum-exp form: no clamp, exact gradients for logits of any magnitude, and
    /// float16/bfloat16 logits are computed in float32. Global counts are a registered buffer, so
    /// <c>loss.to(device)</c> moves them once and no host-to-device copy happens per step.</para>
    /// <para>Two computation paths give the same values and gradients (tested against each other, against the
    /// definition computed in doubles and against finite differences). Small batches, other devices and calls without
    /// gradients use <c>cross_entropy(x + log n)</c>. On the CPU, from B x C = 2^18 elements with gradients recorded, a
    /// hand-written forward and backward saves the softmax and writes the gradient into it in place. It supports
    /// <c>retain_graph</c> and <c>create_graph</c> like the composition.</para>
    /// <para>Speed (CPU, forward + backward, benchmarks/README.md), whether the logits come from a linear head, are a
    /// fresh leaf per step or one reused leaf: at (512, 1000) and (256, 8142) 0.75-0.95x the time of TorchSharp's
    /// <c>cross_entropy</c>, with a peak of 3 (2 on a reused leaf) [B, C] buffers against its 4 (3); at (128, 10) and
    /// (128, 100) 1.05-1.3x, the cost of the one addition <c>x + log n</c>.</para>
    /// <para>Dense logits [N, C, d1, ..., dk] (and [B, C] with a weight or an ignored target) without label smoothing take,
    /// from 2^18 elements with gradients recorded and on any device, a second hand-written node that keeps one
    /// [N, C, d...] buffer: <c>x + log n</c> turned into its exponentials in place for the forward and into the gradient
    /// in place for the backward, the loss exact in log-sum-exp form. <c>cross_entropy</c> keeps the same one buffer but
    /// allocates two more in its backward. CPU targets are validated and counted in one host pass. Label smoothing and
    /// small problems use <c>cross_entropy(x + log n)</c>. Speed on the CPU: benchmarks/README.md (dense section).</para>
    /// </remarks>
    public sealed class ArbLoss : Loss<Tensor, Tensor, Tensor>, IClassCountLoss
    {
        // Registered buffers (global counts only); field names equal buffer names so Module.to() updates them.
        private Tensor? log_class_counts;
        private Tensor? log_class_counts_f32;
        private Tensor? class_counts;
        private Tensor? class_weight;
        private readonly long[]? _classCounts;
        private readonly ScratchTensor _scratch = new();

        /// <summary>ARB-Loss with global counts: the training set's per-class counts.</summary>
        /// <param name="classCounts">Number of training samples of each class; length = number of classes.
        /// Classes with count 0 never receive repulsion; a target of such a class is an error.</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample (position).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100, as
        /// TorchSharp; segmentation data often use 255).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] on the count-adjusted logits, as <c>cross_entropy</c>'s.</param>
        /// <param name="weight">Optional per-class weights [C] (floating point, finite, non-negative), as <c>cross_entropy</c>'s;
        /// a registered buffer, so <c>loss.to(device)</c> moves it.</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero; the weight has the wrong length or values.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        public ArbLoss(long[] classCounts, nn.Reduction reduction = nn.Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            LossChecks.HostCounts(classCounts.Select(c => (double)c).ToArray(), nameof(classCounts));
            _classCounts = (long[])classCounts.Clone();
            CountSource = CountSource.Global;
            NumClasses = classCounts.Length;
            // Buffers belong to the module, not to whatever dispose scope the caller has open.
            log_class_counts = tensor(classCounts.Select(c => Math.Log(c)).ToArray(), ScalarType.Float64).DetachFromDisposeScope();
            log_class_counts_f32 = log_class_counts.to_type(ScalarType.Float32).DetachFromDisposeScope();
            class_counts = tensor(classCounts.Select(c => (double)c).ToArray(), ScalarType.Float64).DetachFromDisposeScope();
            SetOptions(ignoreIndex, labelSmoothing, weight);
            RegisterComponents();
        }

        /// <summary>ARB-Loss with batch counts (the authors' default): each call counts the classes in its targets.</summary>
        /// <param name="numClasses">Number of classes C (the logits' second dimension).</param>
        /// <param name="reduction">Mean (default) or Sum give a scalar; None gives one loss per sample (position).</param>
        /// <param name="ignoreIndex">Target value of positions that give no loss, no gradient and no count (default -100).</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1] on the count-adjusted logits; spread over the classes
        /// present in the call (the others have probability 0).</param>
        /// <param name="weight">Optional per-class weights [C], as <c>cross_entropy</c>'s; a registered buffer.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1, or
        /// <paramref name="labelSmoothing"/> is outside [0, 1].</exception>
        /// <exception cref="ArgumentException">The weight has the wrong length or values.</exception>
        public ArbLoss(int numClasses, nn.Reduction reduction = nn.Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null) : base(reduction)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            CountSource = CountSource.Batch;
            NumClasses = numClasses;
            SetOptions(ignoreIndex, labelSmoothing, weight);
            RegisterComponents();
        }

        private void SetOptions(long ignoreIndex, double labelSmoothing, Tensor? weight)
        {
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must lie in [0, 1] (0: none).");
            IgnoreIndex = ignoreIndex;
            LabelSmoothing = labelSmoothing;
            if (weight is null) return;
            if (weight.IsInvalid || weight.dim() != 1 || weight.size(0) != NumClasses || !weight.is_floating_point())
                throw new ArgumentException($"The class weight must be a floating-point vector of {NumClasses} (one per class); got {(weight.IsInvalid ? "a disposed tensor" : $"{weight.dtype} [{string.Join(", ", weight.shape)}]")}.", nameof(weight));
            using (var w64 = weight.to_type(ScalarType.Float64).cpu().contiguous()) LossChecks.HostWeights(w64.data<double>().ToArray(), NumClasses, nameof(weight));
            class_weight = weight.detach().clone().DetachFromDisposeScope();
        }

        /// <summary>Target value of positions that give no loss, no gradient and no count.</summary>
        public long IgnoreIndex { get; private set; }

        /// <summary>Label smoothing in [0, 1] on the count-adjusted logits (0: none).</summary>
        public double LabelSmoothing { get; private set; }

        /// <summary>The per-class weights (a registered buffer, on the module's device), or null.</summary>
        public Tensor? Weight => class_weight;

        /// <summary>Where the class counts come from.</summary>
        public CountSource CountSource { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>The global class counts given at construction; null in batch mode.</summary>
        public IReadOnlyList<long>? ClassCounts => _classCounts;

        /// <summary>
        /// Whether each call checks that targets lie in [0, C) and (global counts) that every target's class has a
        /// positive count. Costs one device synchronisation per call on a GPU; default true. With batch counts and
        /// CPU targets the check is part of counting the classes on the host, so it always runs. Switched off, valid
        /// input gives exactly the same result; with global counts on the CPU a target outside [0, C) then fails inside
        /// libtorch with TorchSharp's exception (not an <see cref="ArgumentException"/>), and a target whose class has
        /// count 0 gives an infinite loss.
        /// </summary>
        public bool ValidateTargets { get; set; } = true;

        /// <summary>How the loss is computed; tests force the composed or the fused path, users get the automatic choice.</summary>
        internal Functional.CorePath Path { get; set; } = Functional.CorePath.Auto;

        /// <summary>Computes the loss of <paramref name="input"/> logits [B, C] against int64 targets [B], or of dense logits
        /// [N, C, d1, ..., dk] against targets [N, d1, ..., dk] (every position a sample; <see cref="IgnoreIndex"/> positions
        /// left out).</summary>
        /// <returns>A scalar (Mean, Sum) or [B] / [N, d1, ..., dk] (None). An empty batch gives 0 (Mean, Sum) or an empty
        /// vector (None).</returns>
        /// <exception cref="ArgumentException">Wrong rank, dtype, device, batch or class size; a target outside [0, C);
        /// or, with global counts, a target whose class count is 0.</exception>
        public override Tensor forward(Tensor input, Tensor target)
        {
            if (Functional.NeedsDense(input ?? throw new ArgumentNullException(nameof(input)), class_weight, LabelSmoothing, IgnoreIndex))
                return DenseForward(input, target, CountSource == CountSource.Global ? class_counts : null);
            try
            {
                return FastForward(input, target);
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                // [B, C] targets with ignored entries: the target check found them; the option path handles them.
                return DenseForward(input, target, CountSource == CountSource.Global ? class_counts : null);
            }
        }

        private Tensor DenseForward(Tensor input, Tensor target, Tensor? counts)
        {
            if (input.dim() < 2 || input.size(1) != NumClasses)
                throw new ArgumentException($"The logits [{string.Join(", ", input.shape)}] must have {NumClasses} classes in dimension 1 ([N, C] or [N, C, d1, ..., dk]).", nameof(input));
            return ArbDense.Loss(input, target, counts, class_weight, IgnoreIndex, LabelSmoothing, reduction, ValidateTargets);
        }

        private Tensor FastForward(Tensor input, Tensor target)
        {
            CheckShapes(input, target);
            // No dispose scope on this hot path: every temporary is disposed explicitly (autograd keeps what it needs).
            // Half-precision logits are not copied: the log counts are float32 and x + log n promotes (ArbLossCore).
            var dtype = Functional.ComputeType(input.dtype);
            if (CountSource == CountSource.Batch)
            {
                if (target.device_type != DeviceType.CPU)
                {
                    if (ValidateTargets) LossChecks.Values(target, NumClasses, null, nameof(target), nameof(target));
                    using var deviceCounts = Functional.BatchLogCounts(target, NumClasses, dtype);
                    return Functional.ArbLossCore(input, target, deviceCounts, reduction, Path);
                }
                // One pass over the targets on the host both validates them and counts the classes. The composed path
                // has consumed the log counts when it returns, so it writes them into a reused scratch tensor; the
                // fused path keeps them for its backward and gets a fresh one.
                var path = Path == Functional.CorePath.Auto ? Functional.ChoosePath(input) : Path;
                var scratch = path == Functional.CorePath.Composed ? _scratch.Take(NumClasses, dtype) : null;
                Tensor? logCounts = null;
                try
                {
                    logCounts = LossChecks.HostBatchLogCounts(target, NumClasses, dtype, nameof(target), scratch);
                    return Functional.ArbLossCore(input, target, logCounts, reduction, path);
                }
                finally
                {
                    if (scratch is not null) _scratch.Return(scratch);
                    else logCounts?.Dispose();
                }
            }
            else
            {
                var buffer = log_class_counts!;
                if (!LossChecks.SameDevice(buffer, input))
                    throw new ArgumentException($"The loss's class counts are on {buffer.device} but the logits are on {input.device}; call loss.to({input.device}) once after construction.", nameof(input));
                if (ValidateTargets) LossChecks.TargetsAgainstGlobalCounts(target, _classCounts!, buffer, nameof(target), "classCounts");
                // The float32 copy serves float32 and half logits. loss.to(dtype) converts both buffers; then the
                // counts are cast per call, so the loss is still computed in the logits' dtype.
                var f32 = log_class_counts_f32!;
                var counts = buffer.dtype == dtype ? buffer : f32.dtype == dtype ? f32 : null;
                using var cast = counts is null ? buffer.to_type(dtype) : null;
                return Functional.ArbLossCore(input, target, counts ?? cast!, reduction, Path);
            }
        }

        /// <summary>
        /// Computes the loss with explicitly supplied counts, overriding the module's count source: for batch counts
        /// all-reduced across processes, accumulated over micro-batches, or taken from un-mixed targets under mixup.
        /// </summary>
        /// <param name="input">Logits [B, C] or [N, C, d1, ..., dk].</param>
        /// <param name="target">int64 targets [B] or [N, d1, ..., dk].</param>
        /// <param name="classCounts">Counts [C] on the logits' device.</param>
        /// <returns>A scalar (Mean, Sum) or [B] / [N, d1, ..., dk] (None).</returns>
        /// <exception cref="ArgumentException">As <see cref="Functional.arb_loss"/>.</exception>
        public Tensor forward(Tensor input, Tensor target, Tensor classCounts)
        {
            if (classCounts is null) throw new ArgumentNullException(nameof(classCounts));
            if (Functional.NeedsDense(input ?? throw new ArgumentNullException(nameof(input)), class_weight, LabelSmoothing, IgnoreIndex))
            {
                if (ValidateTargets) LossChecks.CountTensorValues(classCounts, nameof(classCounts));
                return DenseForward(input, target, classCounts);
            }
            try
            {
                CheckShapes(input, target);
                return Functional.ArbLossChecked(input, target, classCounts, reduction, ValidateTargets, Path);
            }
            catch (ArgumentException) when (Functional.HoldsIgnoreIndex(target, IgnoreIndex))
            {
                return DenseForward(input, target, classCounts);
            }
        }

        private void CheckShapes(Tensor input, Tensor target)
        {
            LossChecks.Logits(input, nameof(input));
            if (input.size(1) != NumClasses)
                throw new ArgumentException($"The logits have {input.size(1)} classes but the loss was built for {NumClasses}.", nameof(input));
            LossChecks.Target(target, input, nameof(target));
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                log_class_counts?.Dispose();
                log_class_counts_f32?.Dispose();
                class_counts?.Dispose();
                class_weight?.Dispose();
                _scratch.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
