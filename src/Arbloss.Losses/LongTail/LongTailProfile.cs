using System;

namespace Arbloss.Losses.LongTail
{
    /// <summary>
    /// Per-class sample counts of the long-tailed benchmarks (CIFAR-10-LT, CIFAR-100-LT, ...), with the authors'
    /// rounding (Cao et al.'s <c>IMBALANCECIFAR</c>, reused by ARB-Loss): counts are truncated towards zero.
    /// </summary>
    /// <remarks>
    /// The imbalance factor <c>f</c> is the ratio smallest / largest class (the authors' <c>imb_factor</c>):
    /// <c>f = 0.01</c> means 100:1. CIFAR-100 with <c>f = 0.01</c> gives 500 ... 5 (10,847 images); CIFAR-10 gives
    /// 5000 ... 50 (12,406 images). A count can round down to 0 for extreme factors; such classes are simply empty.
    /// </remarks>
    public static class LongTailProfile
    {
        /// <summary>
        /// Exponential profile: <c>n_i = (long)(maxCount * f^(i / (C - 1)))</c> for class i = 0 .. C - 1
        /// (class 0 is the largest). With one class the result is <c>[maxCount]</c>.
        /// </summary>
        /// <param name="numClasses">Number of classes C, at least 1.</param>
        /// <param name="maxCount">Size of the largest class, at least 1.</param>
        /// <param name="imbalanceFactor">Smallest / largest class size, in (0, 1]; 0.01 means 100:1.</param>
        /// <returns>A new array of C counts, non-increasing.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range (an imbalance factor
        /// above 1 is reported with its reciprocal, e.g. pass 0.01 rather than 100).</exception>
        public static long[] Exponential(int numClasses, long maxCount, double imbalanceFactor)
        {
            Check(numClasses, maxCount, imbalanceFactor);
            var counts = new long[numClasses];
            if (numClasses == 1)
            {
                counts[0] = maxCount;
                return counts;
            }
            for (int i = 0; i < numClasses; i++)
                counts[i] = (long)(maxCount * Math.Pow(imbalanceFactor, i / (numClasses - 1.0)));
            return counts;
        }

        /// <summary>
        /// Step profile: the first <c>floor(C / 2)</c> classes have <c>maxCount</c> samples, the remaining
        /// <c>ceil(C / 2)</c> have <c>(long)(maxCount * f)</c>. With one class the result is <c>[(long)(maxCount * f)]</c>.
        /// </summary>
        /// <param name="numClasses">Number of classes C, at least 1.</param>
        /// <param name="maxCount">Size of the head classes, at least 1.</param>
        /// <param name="imbalanceFactor">Tail size / head size, in (0, 1].</param>
        /// <returns>A new array of C counts.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
        public static long[] Step(int numClasses, long maxCount, double imbalanceFactor)
        {
            Check(numClasses, maxCount, imbalanceFactor);
            var counts = new long[numClasses];
            int head = numClasses / 2;
            long tail = (long)(maxCount * imbalanceFactor);
            for (int i = 0; i < numClasses; i++) counts[i] = i < head ? maxCount : tail;
            return counts;
        }

        /// <summary>Uniform profile: every class has <paramref name="maxCount"/> samples.</summary>
        /// <param name="numClasses">Number of classes C, at least 1.</param>
        /// <param name="maxCount">Size of every class, at least 1.</param>
        /// <returns>A new array of C equal counts.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
        public static long[] Uniform(int numClasses, long maxCount)
        {
            Check(numClasses, maxCount, 1.0);
            var counts = new long[numClasses];
            Array.Fill(counts, maxCount);
            return counts;
        }

        /// <summary>The profile of the given <paramref name="type"/>; <see cref="ImbalanceType.Uniform"/> ignores the factor.</summary>
        /// <param name="type">Exponential, step or uniform.</param>
        /// <param name="numClasses">Number of classes C, at least 1.</param>
        /// <param name="maxCount">Size of the largest class, at least 1.</param>
        /// <param name="imbalanceFactor">Smallest / largest class size, in (0, 1].</param>
        /// <returns>A new array of C counts.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range or <paramref name="type"/> is undefined.</exception>
        public static long[] Create(ImbalanceType type, int numClasses, long maxCount, double imbalanceFactor) => type switch
        {
            ImbalanceType.Exponential => Exponential(numClasses, maxCount, imbalanceFactor),
            ImbalanceType.Step => Step(numClasses, maxCount, imbalanceFactor),
            ImbalanceType.Uniform => UniformChecked(numClasses, maxCount, imbalanceFactor),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown imbalance type; use Exponential, Step or Uniform."),
        };

        /// <summary>
        /// Parses the authors' config spelling of an imbalance type: <c>exp</c> / <c>exponential</c>, <c>step</c>,
        /// <c>uniform</c> / <c>none</c> / <c>balanced</c> (case-insensitive).
        /// </summary>
        /// <param name="name">The name from a config file.</param>
        /// <returns>The imbalance type.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
        /// <exception cref="ArgumentException">The name is not one of the spellings above.</exception>
        public static ImbalanceType ParseType(string name)
        {
            if (name is null) throw new ArgumentNullException(nameof(name));
            switch (name.Trim().ToLowerInvariant())
            {
                case "exp":
                case "exponential":
                    return ImbalanceType.Exponential;
                case "step":
                    return ImbalanceType.Step;
                case "uniform":
                case "none":
                case "balanced":
                    return ImbalanceType.Uniform;
                default:
                    throw new ArgumentException($"Unknown imbalance type '{name}'; use 'exp', 'step' or 'uniform'.", nameof(name));
            }
        }

        private static long[] UniformChecked(int numClasses, long maxCount, double imbalanceFactor)
        {
            Check(numClasses, maxCount, imbalanceFactor);
            return Uniform(numClasses, maxCount);
        }

        private static void Check(int numClasses, long maxCount, double imbalanceFactor)
        {
            if (numClasses < 1)
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be at least 1.");
            if (maxCount < 1)
                throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "The largest class size must be at least 1.");
            if (double.IsNaN(imbalanceFactor) || imbalanceFactor <= 0)
                throw new ArgumentOutOfRangeException(nameof(imbalanceFactor), imbalanceFactor, "The imbalance factor (smallest / largest class size) must lie in (0, 1], e.g. 0.01 for 100:1.");
            if (imbalanceFactor > 1)
                throw new ArgumentOutOfRangeException(nameof(imbalanceFactor), imbalanceFactor, $"The imbalance factor is smallest / largest class size and must lie in (0, 1]; for a {imbalanceFactor}:1 ratio pass {1 / imbalanceFactor:R}.");
        }
    }
}
