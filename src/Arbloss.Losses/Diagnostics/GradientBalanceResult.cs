using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Attraction / repulsion norms of the classifier gradient for one batch (<see cref="GradientBalance.Compute(Tensor, Tensor, Tensor)"/>)
    /// or averaged over the steps of an epoch (<see cref="GradientBalanceAccumulator.Mean"/>). All tensors live on the
    /// device of the inputs and are owned by this object: dispose it (or read the values with <see cref="ToHost"/>
    /// first).
    /// </summary>
    /// <remarks>
    /// Notation: <c>T[i, j] = sum_{s : y_s = j} g[s, i] f_s</c>, the part of the gradient of classifier row i contributed
    /// by the samples of class j (see <see cref="GradientBalance"/>). Over several steps every tensor but
    /// <see cref="SampleCounts"/>, <see cref="Present"/> and <see cref="Ratio"/> is the mean over steps, counting a step
    /// in which a class is absent as a zero attraction for it.
    /// </remarks>
    public sealed class GradientBalanceResult : IDisposable
    {
        private GradientBalanceResult(Tensor norms, Tensor attraction, Tensor repulsion, Tensor gradientNorm,
            Tensor sampleCounts, Tensor present, Tensor ratio, long steps)
        {
            Norms = norms;
            Attraction = attraction;
            Repulsion = repulsion;
            GradientNorm = gradientNorm;
            SampleCounts = sampleCounts;
            Present = present;
            Ratio = ratio;
            Steps = steps;
            NumClasses = (int)norms.size(0);
        }

        /// <summary>
        /// <c>M[i, j] = ||T[i, j]||</c> [C, C]: row i is the class whose classifier row receives the gradient, column j the
        /// class of the samples. The diagonal is the attraction, the rest the pairwise repulsion. A column of a class with
        /// no samples is exactly 0 (its samples contribute nothing).
        /// </summary>
        public Tensor Norms { get; }

        /// <summary>Attraction norm <c>||T[i, i]||</c> [C] (the diagonal of <see cref="Norms"/>); 0 for a class with no samples.</summary>
        public Tensor Attraction { get; }

        /// <summary>Total repulsion norm <c>||sum_{j != i} T[i, j]||</c> [C]: the push on row i from all other classes together.</summary>
        public Tensor Repulsion { get; }

        /// <summary>Norm of the whole gradient of row i, <c>||sum_j T[i, j]||</c> [C], in the convention of the logit gradient used.</summary>
        public Tensor GradientNorm { get; }

        /// <summary>Number of samples of each class [C] (int64), summed over steps.</summary>
        public Tensor SampleCounts { get; }

        /// <summary>Whether each class had at least one sample [C] (bool). Absent classes have no attraction and no defined <see cref="Ratio"/>.</summary>
        public Tensor Present { get; }

        /// <summary>
        /// <see cref="Attraction"/> / <see cref="Repulsion"/> [C] for classes that are <see cref="Present"/> and have a
        /// positive repulsion; NaN (by design, never from a 0/0 division) where a class is absent or receives no
        /// repulsion. Under cross-entropy a tail class has a ratio far below 1; ARB-Loss pushes it towards 1.
        /// </summary>
        public Tensor Ratio { get; }

        /// <summary>Number of batches averaged (1 for a single batch).</summary>
        public long Steps { get; }

        /// <summary>Number of classes C.</summary>
        public int NumClasses { get; }

        /// <summary>Copies every value to host memory (two device-to-host copies).</summary>
        /// <returns>Host arrays; NaN marks an undefined ratio.</returns>
        /// <exception cref="ObjectDisposedException">The result has been disposed.</exception>
        public GradientBalanceValues ToHost()
        {
            if (Norms.IsInvalid) throw new ObjectDisposedException(nameof(GradientBalanceResult));
            int c = NumClasses;
            using var scope = NewDisposeScope();
            var packed = cat(new[]
            {
                Norms.reshape(-1), Attraction, Repulsion, GradientNorm, Ratio, Present.to_type(Norms.dtype),
            }).to_type(ScalarType.Float64).cpu();
            var all = packed.data<double>().ToArray();
            var norms = new double[c, c];
            Buffer.BlockCopy(all, 0, norms, 0, c * c * sizeof(double));
            int offset = c * c;
            double[] Next() { var a = new double[c]; Array.Copy(all, offset, a, 0, c); offset += c; return a; }
            var attraction = Next();
            var repulsion = Next();
            var gradientNorm = Next();
            var ratio = Next();
            var present = Array.ConvertAll(Next(), v => v != 0);
            // Counts are read from their own int64 tensor: exact beyond 2^24 even when the norms are float32.
            var counts = SampleCounts.cpu().data<long>().ToArray();
            return new GradientBalanceValues(norms, attraction, repulsion, gradientNorm, ratio, counts, present, Steps);
        }

        /// <summary>Disposes the tensors.</summary>
        public void Dispose()
        {
            Norms.Dispose();
            Attraction.Dispose();
            Repulsion.Dispose();
            GradientNorm.Dispose();
            SampleCounts.Dispose();
            Present.Dispose();
            Ratio.Dispose();
        }

        /// <summary>
        /// Builds a result from the four norm tensors and the counts, deriving <see cref="Present"/> and
        /// <see cref="Ratio"/>; every tensor is moved to the dispose scope outside the caller's.
        /// </summary>
        internal static GradientBalanceResult Create(Tensor norms, Tensor attraction, Tensor repulsion, Tensor gradientNorm,
            Tensor sampleCounts, long steps)
        {
            var zero = Functional.Constants.Zero;
            var present = sampleCounts.gt(zero);
            // Comparisons and masked_fill only: they have kernels on every device (the meta device of the tests included).
            var undefined = sampleCounts.le(zero).bitwise_or(repulsion.le(zero));
            var safeRepulsion = repulsion.masked_fill(undefined, Functional.Constants.One);
            var ratio = attraction.div(safeRepulsion).masked_fill(undefined, Functional.Constants.NaN);
            return new GradientBalanceResult(norms.MoveToOuterDisposeScope(), attraction.MoveToOuterDisposeScope(),
                repulsion.MoveToOuterDisposeScope(), gradientNorm.MoveToOuterDisposeScope(), sampleCounts.MoveToOuterDisposeScope(),
                present.MoveToOuterDisposeScope(), ratio.MoveToOuterDisposeScope(), steps);
        }
    }
}
