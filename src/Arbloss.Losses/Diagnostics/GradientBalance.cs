using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Attraction / repulsion decomposition of the classifier gradient, the quantity ARB-Loss is built to balance.
    /// </summary>
    /// <remarks>
    /// <para>For a linear classifier <c>z = f W^T + b</c> with features <c>f</c> [B, D] and logit gradient
    /// <c>g = dL/dz</c> [B, C], the gradient of classifier row <c>W_i</c> is <c>sum_s g[s, i] f_s</c>. Splitting the sum by
    /// the class <c>j</c> of each sample gives the vectors</para>
    /// <para><c>T[i, j] = sum_{s : y_s = j} g[s, i] f_s</c> (in R^D),</para>
    /// <para>so that <c>sum_j T[i, j]</c> is exactly the gradient of <c>W_i</c> that the logit gradient
    /// describes. <c>T[i, i]</c> is the <b>attraction</b> on class i (samples of class i pulling <c>W_i</c> towards
    /// their features) and <c>T[i, j]</c>, j != i, the <b>repulsion</b> of class j on class i.</para>
    /// <para><b>Gradient convention.</b> <see cref="Compute(Tensor, Tensor, Tensor)"/> uses the logit gradient exactly as
    /// given: pass the autograd gradient of a Mean-reduced loss and <c>sum_j T[i, j]</c> equals the autograd gradient of
    /// <c>W_i</c> (already divided by B). The overloads that take a loss module use <see cref="LogitGradient"/>, the
    /// gradient of the <i>sum</i> of the per-sample losses, which is B times the autograd gradient under Mean
    /// reduction (a sum over the batch's samples rather than a mean).</para>
    /// <para>The computation never forms <c>T</c>: <c>||T[i, j]||^2 = sum_{s, t in class j} g[s, i] g[t, i] &lt;f_s, f_t&gt;</c>
    /// is evaluated from the batch Gram matrix, in chunks of classes so that memory stays bounded (the [C, C] result plus
    /// about 64 MiB) for any number of classes. Cost: O(B^2 D + B^2 C) time. Inputs in float64 are computed in float64,
    /// everything else in float32. <see cref="Contributions"/> forms the vectors <c>T[i, :]</c> for chosen rows.</para>
    /// <para>Targets are range-checked before any indexing: free for CPU tensors, one device synchronisation on an
    /// accelerator. Gradients are never tracked; the inputs are not modified.</para>
    /// </remarks>
    public static class GradientBalance
    {
        /// <summary>Elements of chunk-sized temporaries allowed at once (64 MiB in float32).</summary>
        internal const long DefaultChunkElements = 1L << 24;

        // Scalars made once: TorchSharp frees Scalars in the finalizer only, and Compute runs every training step (a
        // Scalar per call pins holes in glibc's heap next to the step's large buffers; see Functional.Constants).
        private static readonly Scalar Zero = 0.ToScalar();
        private static readonly Scalar One = 1.ToScalar();
        private static readonly Scalar Two = 2.ToScalar();

        /// <summary>
        /// Computes the attraction / repulsion norms of one batch from the gradient of the loss with respect to the logits;
        /// works for any loss.
        /// </summary>
        /// <param name="features">The classifier's input features [B, D] (floating point).</param>
        /// <param name="logitGradient">The gradient <c>dL/dz</c> [B, C] of the loss with respect to the logits, used as given
        /// (see the class remarks for the Mean-reduction convention).</param>
        /// <param name="targets">int64 class indices [B] in [0, C), on the features' device.</param>
        /// <returns>A new result (the caller disposes it) whose <see cref="GradientBalanceResult.Norms"/> is
        /// <c>M[i, j] = ||T[i, j]||</c> [C, C]: row i = the class whose classifier row receives the gradient, column j = the
        /// class of the samples.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">An argument is disposed, has the wrong rank or dtype; the three disagree on
        /// the batch size or device; the batch is empty; or a target lies outside [0, C).</exception>
        public static GradientBalanceResult Compute(Tensor features, Tensor logitGradient, Tensor targets) =>
            Compute(features, logitGradient, targets, DefaultChunkElements);

        /// <summary>
        /// <see cref="Compute(Tensor, Tensor, Tensor)"/> for a training loop that has its labels on the host as well (a data
        /// loader's batch): the range check, the classes present and the per-class counts come from
        /// <paramref name="hostTargets"/> and are copied to the device without blocking, so on an accelerator nothing is
        /// read back (the tensor overload reads the targets' range, their distinct classes and their counts, three
        /// synchronisations per call).
        /// </summary>
        /// <param name="features">The classifier's input features [B, D].</param>
        /// <param name="logitGradient">The logit gradient [B, C], used as given.</param>
        /// <param name="targets">int64 class indices [B] on the features' device.</param>
        /// <param name="hostTargets">The same B labels on the host, in the same order. They are trusted to equal
        /// <paramref name="targets"/>: checking that would need the read-back this overload avoids.</param>
        /// <returns>A new result, as <see cref="Compute(Tensor, Tensor, Tensor)"/>.</returns>
        /// <exception cref="ArgumentNullException">A tensor argument is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Compute(Tensor, Tensor, Tensor)"/>; or
        /// <paramref name="hostTargets"/> has another length than the batch or holds a label outside [0, C).</exception>
        public static GradientBalanceResult Compute(Tensor features, Tensor logitGradient, Tensor targets, ReadOnlySpan<long> hostTargets)
        {
            CheckInputs(features, logitGradient, targets);
            var labels = HostLabels.From(hostTargets, features.size(0), logitGradient.size(1), nameof(hostTargets));
            return Compute(features, logitGradient, targets, DefaultChunkElements, labels);
        }

        /// <summary>Classes present, each sample's position among them, and per-class counts, from host labels.</summary>
        internal sealed class HostLabels
        {
            private HostLabels(long[] present, long[] inverse, long[] counts)
            {
                Present = present;
                Inverse = inverse;
                Counts = counts;
            }

            public long[] Present { get; }

            public long[] Inverse { get; }

            public long[] Counts { get; }

            public static HostLabels From(ReadOnlySpan<long> labels, long batch, long classes, string name)
            {
                if (labels.Length != batch)
                    throw new ArgumentException($"{labels.Length} host labels for a batch of {batch}; pass the batch's own labels.", name);
                var counts = new long[classes];
                for (int i = 0; i < labels.Length; i++)
                {
                    long v = labels[i];
                    if ((ulong)v >= (ulong)classes)
                        throw new ArgumentException($"Host label {i} is {v}; labels must lie in [0, {classes}).", name);
                    counts[v]++;
                }
                var position = new long[classes];
                var present = new List<long>();
                for (long j = 0; j < classes; j++)
                    if (counts[j] > 0) { position[j] = present.Count; present.Add(j); }
                var inverse = new long[labels.Length];
                for (int i = 0; i < labels.Length; i++) inverse[i] = position[labels[i]];
                return new HostLabels(present.ToArray(), inverse, counts);
            }

            /// <summary>A host array on <paramref name="device"/>, copied without blocking (inside the caller's dispose scope).</summary>
            public static Tensor Upload(long[] values, Device device)
            {
                var host = tensor(values);
                return device.type == DeviceType.CPU ? host : host.to(device, non_blocking: true);
            }
        }

        /// <summary>
        /// Computes the attraction / repulsion norms of one batch for a loss module: the logit gradient is
        /// <see cref="LogitGradient"/> (per-sample-sum scale), then as <see cref="Compute(Tensor, Tensor, Tensor)"/>.
        /// </summary>
        /// <param name="features">The classifier's input features [B, D].</param>
        /// <param name="logits">The logits [B, C] that the classifier produced from <paramref name="features"/>.</param>
        /// <param name="targets">int64 class indices [B] in [0, C).</param>
        /// <param name="loss">Any TorchSharp loss, e.g. <see cref="ArbLoss"/> or <c>CrossEntropyLoss</c>.</param>
        /// <returns>A new result (the caller disposes it); its <c>sum_j T[i, j]</c> is B times the autograd gradient of
        /// <c>W_i</c> when the loss uses Mean reduction.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">As <see cref="Compute(Tensor, Tensor, Tensor)"/>, or the loss rejects its inputs.</exception>
        public static GradientBalanceResult Compute(Tensor features, Tensor logits, Tensor targets, Loss<Tensor, Tensor, Tensor> loss)
        {
            CheckFeatures(features, logits);
            using var gradient = LogitGradient(logits, targets, loss);
            return Compute(features, gradient, targets);
        }

        /// <summary>
        /// The gradient of the <i>sum over samples</i> of the per-sample losses with respect to the logits:
        /// autograd's gradient times B under Mean reduction, as is under Sum, and the gradient of the summed vector under
        /// None. Computed on a detached copy of the logits, so the caller's graph is untouched (works inside no_grad).
        /// </summary>
        /// <param name="logits">Logits [B, C].</param>
        /// <param name="targets">int64 class indices [B].</param>
        /// <param name="loss">The loss module.</param>
        /// <returns>A new tensor [B, C] in the logits' dtype (float32 for half-precision losses that compute in float32).</returns>
        /// <remarks>A weighted loss whose Mean divides by the total target weight gets the factor B, not that total.</remarks>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">Wrong rank, dtype, batch size or device; an empty batch; or the loss rejects its inputs.</exception>
        public static Tensor LogitGradient(Tensor logits, Tensor targets, Loss<Tensor, Tensor, Tensor> loss)
        {
            if (loss is null) throw new ArgumentNullException(nameof(loss));
            LossChecks.Logits(logits, nameof(logits));
            DiagnosticChecks.Targets(targets, logits, nameof(targets), "logits");
            DiagnosticChecks.NonEmpty(logits, nameof(logits), "logits");
            using var scope = NewDisposeScope();
            using var gradMode = torch.enable_grad();
            var z = logits.detach().clone().requires_grad_(true);
            var value = loss.call(z, targets).sum();
            var g = torch.autograd.grad(new[] { value }, new[] { z })[0];
            if (loss.reduction == nn.Reduction.Mean)
            {
                using var batch = logits.size(0).ToScalar();
                g = g.mul(batch);
            }
            return g.detach().MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The vectors <c>T[i, j]</c> themselves for the classifier rows <c>i</c> in [<paramref name="firstRow"/>,
        /// <paramref name="firstRow"/> + <paramref name="rowCount"/>): which class pushes or pulls each row, and in which
        /// direction. <c>T[i, :].sum(0)</c> is the gradient of <c>W_i</c> under the convention of
        /// <paramref name="logitGradient"/>.
        /// </summary>
        /// <param name="features">Features [B, D].</param>
        /// <param name="logitGradient">Logit gradient [B, C], used as given.</param>
        /// <param name="targets">int64 class indices [B] in [0, C).</param>
        /// <param name="firstRow">First classifier row (class) to return.</param>
        /// <param name="rowCount">Number of rows; memory is <c>rowCount * C * D</c> elements.</param>
        /// <returns>A new tensor [rowCount, C, D] (float64 for float64 inputs, else float32).</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The row range is not inside [0, C) or is empty.</exception>
        /// <exception cref="ArgumentException">As <see cref="Compute(Tensor, Tensor, Tensor)"/>.</exception>
        public static Tensor Contributions(Tensor features, Tensor logitGradient, Tensor targets, long firstRow, long rowCount)
        {
            CheckInputs(features, logitGradient, targets);
            long classes = logitGradient.size(1);
            if (firstRow < 0 || firstRow >= classes)
                throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, $"The first row must lie in [0, {classes}).");
            if (rowCount < 1 || firstRow + rowCount > classes)
                throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, $"The rows [{firstRow}, {firstRow} + {rowCount}) must lie inside [0, {classes}) and be at least one.");
            DiagnosticChecks.TargetRange(targets, classes, nameof(targets));
            var dtype = DiagnosticChecks.ComputeType(features, logitGradient);
            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var f = features.detach().to_type(dtype);
            var g = logitGradient.detach().to_type(dtype);
            var oneHotT = nn.functional.one_hot(targets, classes).to_type(dtype).t();       // [C, B]
            var rows = new Tensor[rowCount];
            for (long r = 0; r < rowCount; r++)
                rows[r] = oneHotT.mul(g.select(1, firstRow + r).unsqueeze(0)).matmul(f);  // [C, D]
            return stack(rows).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Attraction / repulsion norms of a dense (segmentation) head: a 1x1-convolution classifier
        /// <c>z[:, :, p] = W f[:, :, p] + b</c> over every position p, each position a sample. Positions whose target is
        /// <paramref name="ignoreIndex"/> are left out.
        /// </summary>
        /// <remarks>Computed directly as <c>T[i, j] = sum_{p : y_p = j} g[p, i] f_p</c>, one matrix product per class
        /// present: O(P C D) time for P positions and O(C^2 D) memory, never the P x P Gram matrix of
        /// <see cref="Compute(Tensor, Tensor, Tensor)"/>, so it scales to millions of pixels. The result is the same
        /// quantity: for [N, D] / [N, C] / [N] inputs both give the same norms.</remarks>
        /// <param name="features">The classifier's input features [N, D, d1, ..., dk] (k &gt;= 0), floating point.</param>
        /// <param name="logitGradient">The gradient <c>dL/dz</c> [N, C, d1, ..., dk], used as given.</param>
        /// <param name="targets">int64 class indices [N, d1, ..., dk] in [0, C), or <paramref name="ignoreIndex"/>.</param>
        /// <param name="ignoreIndex">Target value of positions to leave out (TorchSharp's default -100; segmentation data often use 255).</param>
        /// <returns>A new result (the caller disposes it), as <see cref="Compute(Tensor, Tensor, Tensor)"/> gives.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The shapes disagree (batch, spatial sizes), a tensor is not floating point /
        /// int64, devices differ, no position is left after ignoring, or a target lies outside [0, C).</exception>
        public static GradientBalanceResult ComputeDense(Tensor features, Tensor logitGradient, Tensor targets, long ignoreIndex = -100)
        {
            if (features is null) throw new ArgumentNullException(nameof(features));
            if (logitGradient is null) throw new ArgumentNullException(nameof(logitGradient));
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (features.dim() < 2 || !torch.is_floating_point(features))
                throw new ArgumentException($"features must be floating point [N, D, d1, ..., dk]; got {features.dtype} {DiagnosticChecks.Shape(features)}.", nameof(features));
            if (logitGradient.dim() != features.dim() || !torch.is_floating_point(logitGradient))
                throw new ArgumentException($"logitGradient must be floating point [N, C, d1, ..., dk] with the features' rank {features.dim()}; got {logitGradient.dtype} {DiagnosticChecks.Shape(logitGradient)}.", nameof(logitGradient));
            if (targets.dtype != ScalarType.Int64 || targets.dim() != features.dim() - 1)
                throw new ArgumentException($"targets must be int64 [N, d1, ..., dk]; got {targets.dtype} {DiagnosticChecks.Shape(targets)}.", nameof(targets));
            for (int k = 0; k < targets.dim(); k++)
            {
                long expected = features.size(k == 0 ? 0 : k + 1);
                if (targets.size(k) != expected || logitGradient.size(k == 0 ? 0 : k + 1) != expected)
                    throw new ArgumentException($"Shape mismatch: features {DiagnosticChecks.Shape(features)}, logit gradient {DiagnosticChecks.Shape(logitGradient)} and targets {DiagnosticChecks.Shape(targets)} must share the batch and spatial sizes.", nameof(targets));
            }
            DiagnosticChecks.SameDevice(logitGradient, features, nameof(logitGradient), "logit gradient values", "features");
            DiagnosticChecks.SameDevice(targets, features, nameof(targets), "targets", "features");
            long classes = logitGradient.size(1), dim = features.size(1);
            var dtype = DiagnosticChecks.ComputeType(features, logitGradient);

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            // Positions as rows: [P, D], [P, C], [P].
            var f = features.detach().movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, dim).to_type(dtype);
            var g = logitGradient.detach().movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, classes).to_type(dtype);
            var y = targets.reshape(-1);
            using var ignore = ignoreIndex.ToScalar();
            var keep = y.ne(ignore);
            if (!keep.all().item<bool>())
            {
                var rows = keep.nonzero().squeeze(1);
                f = f.index_select(0, rows);
                g = g.index_select(0, rows);
                y = y.index_select(0, rows);
            }
            if (y.size(0) == 0)
                throw new ArgumentException($"No position is left: every target is the ignore index {ignoreIndex}.", nameof(targets));
            DiagnosticChecks.TargetRange(y, classes, nameof(targets));
            var contributions = zeros(new long[] { classes, classes, dim }, dtype, features.device);   // T[i, j, :]
            var (present, _, _) = y.unique(sorted: true);
            foreach (var j in present.data<long>().ToArray())
            {
                using var inner = NewDisposeScope();
                using var cls = j.ToScalar();
                var rows = y.eq(cls).nonzero().squeeze(1);
                contributions.select(1, j).copy_(g.index_select(0, rows).t().matmul(f.index_select(0, rows)));  // [C, D]
            }
            // pow(Two) is what square() computes; square() makes a Scalar 2 per call.
            var norms = contributions.pow(Two).sum(-1).sqrt();                                                  // [C, C]
            var total = contributions.sum(1);                                                       // [C, D]
            var own = contributions.diagonal(0, 0, 1).t();                                          // T[i, i, :]  [C, D]
            var repulsion = total.sub(own).pow(Two).sum(-1).sqrt();
            var counts = y.bincount(null, classes);
            return GradientBalanceResult.Create(norms, norms.diagonal().clone(), repulsion, total.pow(Two).sum(-1).sqrt(), counts, 1);
        }

        /// <summary>The computation, with the chunk budget exposed for tests.</summary>
        internal static GradientBalanceResult Compute(Tensor features, Tensor logitGradient, Tensor targets, long chunkElements, HostLabels? host = null)
        {
            CheckInputs(features, logitGradient, targets);
            long batch = features.size(0), classes = logitGradient.size(1);
            if (host is null) DiagnosticChecks.TargetRange(targets, classes, nameof(targets));
            var dtype = DiagnosticChecks.ComputeType(features, logitGradient);
            var device = features.device;

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var f = features.detach().to_type(dtype);
            var g = logitGradient.detach().to_type(dtype);
            var gram = f.matmul(f.t());                                                        // <f_s, f_t>  [B, B]
            var gramSameClass = gram.masked_fill(targets.unsqueeze(1).ne(targets.unsqueeze(0)), Zero);
            // Only the P <= B classes present in the batch have non-zero columns in M: sum per present class with a
            // [P, B] indicator matmul (index_add_ is slow on the CPU) and write those columns only.
            Tensor presentClasses, inverse;
            if (host is null) { var (p, inv, _) = targets.unique(sorted: true, return_inverse: true); (presentClasses, inverse) = (p, inv!); }
            else (presentClasses, inverse) = (HostLabels.Upload(host.Present, device), HostLabels.Upload(host.Inverse, device));
            long presentCount = presentClasses.size(0);
            // [P, B]; with host labels built by a scatter (one_hot checks its input's range, a read-back).
            var indicator = host is null
                ? nn.functional.one_hot(inverse!, presentCount).to_type(dtype).t()
                : zeros(presentCount, batch, dtype, device).scatter_(0, inverse.view(1, -1), ones(1, batch, dtype, device));
            var norms = zeros(classes, classes, dtype, device);
            var repulsion = empty(classes, dtype, device);
            var total = empty(classes, dtype, device);

            long chunk = ChunkSize(batch, classes, chunkElements);
            for (long start = 0; start < classes; start += chunk)
            {
                using var inner = NewDisposeScope();
                long width = Math.Min(chunk, classes - start);
                var gc = g.narrow(1, start, width);                                            // g[s, i], i in chunk
                // g[s, i] * sum_{t : y_t = y_s} <f_s, f_t> g[t, i]; summed over the samples of class j: ||T[i, j]||^2.
                var pairTerms = gc.mul(gramSameClass.matmul(gc));                              // [B, width]
                var squares = indicator.matmul(pairTerms);                                     // [P, width]
                norms.narrow(0, start, width).index_copy_(1, presentClasses, squares.t().clamp_min(Zero).sqrt());
                // Repulsion: the samples of every class but i, i.e. g[s, i] with the samples of class i zeroed.
                using var first = start.ToScalar();
                using var end = (start + width).ToScalar();
                var rowIds = arange(first, end, One, ScalarType.Int64, device);
                var others = gc.masked_fill(targets.unsqueeze(1).eq(rowIds.unsqueeze(0)), Zero);
                repulsion.narrow(0, start, width).copy_(others.mul(gram.matmul(others)).sum(0L).clamp_min(Zero).sqrt());
                total.narrow(0, start, width).copy_(gc.mul(gram.matmul(gc)).sum(0L).clamp_min(Zero).sqrt());
            }

            var counts = host is null ? targets.bincount(null, classes) : HostLabels.Upload(host.Counts, device);
            return GradientBalanceResult.Create(norms, norms.diagonal().clone(), repulsion, total, counts, 1);
        }

        /// <summary>Classes per chunk so that the per-chunk temporaries (at most about 10B elements per class) fit the budget.</summary>
        internal static long ChunkSize(long batch, long classes, long chunkElements) =>
            Math.Clamp(chunkElements / (10 * batch), 1, classes);

        private static void CheckFeatures(Tensor features, Tensor rowsOf)
        {
            DiagnosticChecks.FloatMatrix(features, nameof(features), "features");
            if (rowsOf is not null && !rowsOf.IsInvalid && rowsOf.dim() >= 1 && features.size(0) != rowsOf.size(0))
                throw new ArgumentException($"Batch size mismatch: features have {features.size(0)} rows but the logits have {rowsOf.size(0)}.", nameof(features));
        }

        private static void CheckInputs(Tensor features, Tensor logitGradient, Tensor targets)
        {
            DiagnosticChecks.FloatMatrix(features, nameof(features), "features");
            DiagnosticChecks.FloatMatrix(logitGradient, nameof(logitGradient), "logit gradient");
            if (logitGradient.size(0) != features.size(0))
                throw new ArgumentException($"Batch size mismatch: features have {features.size(0)} rows but the logit gradient has {logitGradient.size(0)}.", nameof(logitGradient));
            if (logitGradient.size(1) < 1)
                throw new ArgumentException("The logit gradient must have at least one class column.", nameof(logitGradient));
            DiagnosticChecks.SameDevice(logitGradient, features, nameof(logitGradient), "logit gradient values", "features");
            DiagnosticChecks.Targets(targets, features, nameof(targets), "features");
            DiagnosticChecks.NonEmpty(features, nameof(features), "features");
        }
    }
}
