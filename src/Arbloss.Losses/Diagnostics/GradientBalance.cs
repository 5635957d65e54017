using System;
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
            if (loss.reduction == nn.Reduction.Mean) g = g.mul(logits.size(0));
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

        /// <summary>The computation, with the chunk budget exposed for tests.</summary>
        internal static GradientBalanceResult Compute(Tensor features, Tensor logitGradient, Tensor targets, long chunkElements)
        {
            CheckInputs(features, logitGradient, targets);
            long batch = features.size(0), classes = logitGradient.size(1);
            DiagnosticChecks.TargetRange(targets, classes, nameof(targets));
            var dtype = DiagnosticChecks.ComputeType(features, logitGradient);
            var device = features.device;

            using var noGrad = torch.no_grad();
            using var scope = NewDisposeScope();
            var f = features.detach().to_type(dtype);
            var g = logitGradient.detach().to_type(dtype);
            var gram = f.matmul(f.t());                                                        // <f_s, f_t>  [B, B]
            var gramSameClass = gram.masked_fill(targets.unsqueeze(1).ne(targets.unsqueeze(0)), 0);
            // Only the P <= B classes present in the batch have non-zero columns in M: sum per present class with a
            // [P, B] indicator matmul (index_add_ is slow on the CPU) and write those columns only.
            var (presentClasses, inverse, _) = targets.unique(sorted: true, return_inverse: true);
            long presentCount = presentClasses.size(0);
            var indicator = nn.functional.one_hot(inverse!, presentCount).to_type(dtype).t();  // [P, B]
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
                norms.narrow(0, start, width).index_copy_(1, presentClasses, squares.t().clamp_min(0).sqrt());
                // Repulsion: the samples of every class but i, i.e. g[s, i] with the samples of class i zeroed.
                var rowIds = arange(start, start + width, ScalarType.Int64, device);
                var others = gc.masked_fill(targets.unsqueeze(1).eq(rowIds.unsqueeze(0)), 0);
                repulsion.narrow(0, start, width).copy_(others.mul(gram.matmul(others)).sum(0L).clamp_min(0).sqrt());
                total.narrow(0, start, width).copy_(gc.mul(gram.matmul(gc)).sum(0L).clamp_min(0).sqrt());
            }

            var counts = targets.bincount(null, classes);
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
