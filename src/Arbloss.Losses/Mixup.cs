using System;
using Arbloss.Losses.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// Mixup (Zhang et al., ICLR 2018) as in the authors' training code: each batch is mixed with a random permutation of
    /// itself, <c>x' = lam * x + (1 - lam) * x[perm]</c>, with <c>lam ~ Beta(alpha, alpha)</c> (<c>lam = 1</c>, no mixing,
    /// when <c>alpha &lt;= 0</c>). Pair the result with <see cref="MixupLoss.Compute"/> (or <see cref="MixupBatch.Loss"/>).
    /// </summary>
    /// <remarks>
    /// <para>Seeded and reproducible: a <see cref="Mixup"/> owns one random stream (xoshiro256**), and each
    /// <see cref="Apply"/> draws lam, then the permutation (Fisher-Yates on the host), from it. The same seed and
    /// sequence of batch sizes give the same lams and permutations on any device. TorchSharp's generator is not used.</para>
    /// <para>Beta(a, a) is sampled as <c>X / (X + Y)</c> with X, Y ~ Gamma(a, 1) by Marsaglia and Tsang's method
    /// (for a &lt; 1 via Gamma(a + 1) * U^(1/a)), in log space so that tiny alphas do not underflow to 0/0.</para>
    /// <para>Not thread-safe: use one instance per training loop.</para>
    /// </remarks>
    public sealed class Mixup
    {
        private Xoshiro256 _rng;

        /// <summary>Creates a mixer.</summary>
        /// <param name="alpha">Beta parameter (default 1, uniform lam); &lt;= 0 disables mixing (lam = 1). Must not be NaN or infinite.</param>
        /// <param name="seed">Seed of lam and permutation draws.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is NaN or infinite.</exception>
        public Mixup(double alpha = 1.0, int seed = 0)
        {
            if (double.IsNaN(alpha) || double.IsInfinity(alpha))
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The mixup alpha must be finite (<= 0 turns mixing off).");
            Alpha = alpha;
            Seed = seed;
            _rng = Xoshiro256.Create(seed, 0x313C);
        }

        /// <summary>The Beta parameter alpha.</summary>
        public double Alpha { get; }

        /// <summary>The seed given at construction.</summary>
        public int Seed { get; }

        /// <summary>Draws the next lam: Beta(alpha, alpha), or 1 when alpha &lt;= 0.</summary>
        /// <returns>A number in [0, 1].</returns>
        public double SampleLambda() => Alpha <= 0 ? 1.0 : SampleBeta(ref _rng, Alpha, Alpha);

        /// <summary>Mixes a batch with a permutation of itself.</summary>
        /// <param name="inputs">Floating-point inputs [B, ...] (images, features).</param>
        /// <param name="targets">Targets [B, ...] (class indices or soft labels), any dtype and device.</param>
        /// <returns>The mixed inputs, <paramref name="targets"/> as targets A, the permuted targets B, and lam.</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The inputs are not floating point or have no batch dimension, or the
        /// batch sizes differ.</exception>
        public MixupBatch Apply(Tensor inputs, Tensor targets)
        {
            if (inputs is null) throw new ArgumentNullException(nameof(inputs));
            if (targets is null) throw new ArgumentNullException(nameof(targets));
            if (inputs.IsInvalid) throw new ArgumentException("The input tensor has been disposed.", nameof(inputs));
            if (targets.IsInvalid) throw new ArgumentException("The target tensor has been disposed.", nameof(targets));
            if (inputs.dim() < 1) throw new ArgumentException("The inputs need a batch dimension [B, ...]; got a scalar.", nameof(inputs));
            if (!inputs.is_floating_point())
                throw new ArgumentException($"Mixup needs floating-point inputs; got {inputs.dtype}. Convert with inputs.to_type(ScalarType.Float32).", nameof(inputs));
            if (targets.dim() < 1 || targets.size(0) != inputs.size(0))
                throw new ArgumentException($"Batch size mismatch: inputs have {inputs.size(0)} rows but targets have shape [{string.Join(", ", targets.shape)}].", nameof(targets));

            double lam = SampleLambda();
            long batch = inputs.size(0);
            var perm = new long[batch];
            for (long i = 0; i < batch; i++) perm[i] = i;
            for (long i = batch - 1; i > 0; i--)
            {
                long j = _rng.NextBounded((uint)(i + 1));
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }

            using var scope = NewDisposeScope();
            var index = tensor(perm, ScalarType.Int64, inputs.device);
            // Scalars disposed here, not left to the finalizer (see Functional.Constants).
            using var lamScalar = lam.ToScalar();
            using var restScalar = (1 - lam).ToScalar();
            Tensor mixed = lam == 1.0
                ? inputs.clone()
                : inputs.mul(lamScalar).add(inputs.index_select(0, index).mul(restScalar), Functional.Constants.One);
            var targetIndex = LossChecks.SameDevice(targets, inputs) ? index : index.to(targets.device);
            var targetsB = targets.index_select(0, targetIndex);
            return new MixupBatch(mixed.MoveToOuterDisposeScope(), targets, targetsB.MoveToOuterDisposeScope(), lam, perm);
        }

        /// <summary>Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b), computed from log-gamma draws.</summary>
        internal static double SampleBeta(ref Xoshiro256 rng, double a, double b)
        {
            double logX = SampleLogGamma(ref rng, a);
            double logY = SampleLogGamma(ref rng, b);
            // X / (X + Y) = 1 / (1 + exp(logY - logX)), stable for any magnitudes.
            double d = logY - logX;
            return d > 0 ? Math.Exp(-d) / (1 + Math.Exp(-d)) : 1 / (1 + Math.Exp(d));
        }

        /// <summary>log of a Gamma(shape, 1) draw (Marsaglia and Tsang, ACM TOMS 2000; shape &lt; 1 by boosting).</summary>
        internal static double SampleLogGamma(ref Xoshiro256 rng, double shape)
        {
            if (shape < 1)
            {
                // Gamma(a) = Gamma(a + 1) * U^(1/a).
                double logBoosted = SampleLogGamma(ref rng, shape + 1);
                return logBoosted + Math.Log(rng.NextDoubleNonZero()) / shape;
            }
            double d = shape - 1.0 / 3.0;
            double c = 1.0 / Math.Sqrt(9.0 * d);
            while (true)
            {
                double x, v;
                do
                {
                    x = rng.NextNormal();
                    v = 1.0 + c * x;
                }
                while (v <= 0);
                v = v * v * v;
                double u = rng.NextDoubleNonZero();
                double x2 = x * x;
                if (u < 1.0 - 0.0331 * x2 * x2 || Math.Log(u) < 0.5 * x2 + d * (1.0 - v + Math.Log(v)))
                    return Math.Log(d) + Math.Log(v);
            }
        }
    }
}
