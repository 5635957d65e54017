namespace Arbloss.Losses.Diagnostics
{
    /// <summary>
    /// Neural-collapse metrics of a set of features (Papyan, Han and Donoho, PNAS 2020), computed by
    /// <see cref="NeuralCollapseAccumulator.Compute"/> over the classes that had at least one sample. "Centred class
    /// means" are the class means minus the centre chosen by <see cref="Centering"/>. Every value is a host number; the
    /// classifier metrics are null when no classifier weight was given.
    /// </summary>
    public sealed class NeuralCollapseReport
    {
        internal NeuralCollapseReport(long sampleCount, int observedClasses, NeuralCollapseCentering centering, double nc1,
            double classMeanNormVariation, double classMeanCosineStd, double classMeanCosineDeviation,
            double? classifierNormVariation, double? classifierCosineStd, double? classifierCosineDeviation, double? selfDuality)
        {
            SampleCount = sampleCount;
            ObservedClasses = observedClasses;
            Centering = centering;
            Nc1 = nc1;
            ClassMeanNormVariation = classMeanNormVariation;
            ClassMeanCosineStd = classMeanCosineStd;
            ClassMeanCosineDeviation = classMeanCosineDeviation;
            ClassifierNormVariation = classifierNormVariation;
            ClassifierCosineStd = classifierCosineStd;
            ClassifierCosineDeviation = classifierCosineDeviation;
            SelfDuality = selfDuality;
        }

        /// <summary>Number of samples measured.</summary>
        public long SampleCount { get; }

        /// <summary>Number of classes with at least one sample (C' below); only these enter the metrics.</summary>
        public int ObservedClasses { get; }

        /// <summary>How the class means were centred.</summary>
        public NeuralCollapseCentering Centering { get; }

        /// <summary>
        /// NC1, within-class variability relative to the between-class spread: <c>tr(Sigma_W Sigma_B^+) / C'</c>, with
        /// <c>Sigma_W = (1/N) sum_s (f_s - mu_{y_s})(f_s - mu_{y_s})^T</c>, <c>Sigma_B = (1/C') sum_c m_c m_c^T</c> over the
        /// centred class means <c>m_c</c> and <c>^+</c> the Moore-Penrose pseudo-inverse (singular values below
        /// <c>max(C', D) * eps * s_max</c> dropped). 0 under perfect collapse (no within-class spread).
        /// </summary>
        public double Nc1 { get; }

        /// <summary>
        /// Equinorm of the class means: the coefficient of variation (population standard deviation / mean) of the norms
        /// of the centred class means. 0 when all have the same length.
        /// </summary>
        public double ClassMeanNormVariation { get; }

        /// <summary>Equiangularity: population standard deviation of the cosines between all pairs of centred class means. 0 for a simplex ETF.</summary>
        public double ClassMeanCosineStd { get; }

        /// <summary>
        /// Maximal-angle equiangularity: the mean over pairs of <c>|cos(m_c, m_c') + 1/(C' - 1)|</c>, the distance of the
        /// pairwise cosines from the simplex-ETF value <see cref="EtfCosine"/>. 0 for a simplex ETF.
        /// </summary>
        public double ClassMeanCosineDeviation { get; }

        /// <summary>The pairwise cosine of a simplex ETF with C' vertices, <c>-1/(C' - 1)</c>.</summary>
        public double EtfCosine => -1.0 / (ObservedClasses - 1);

        /// <summary>Equinorm of the classifier: coefficient of variation of the norms of the observed classes' weight rows; null without a classifier.</summary>
        public double? ClassifierNormVariation { get; }

        /// <summary>Population standard deviation of the pairwise cosines of the observed classes' weight rows; null without a classifier.</summary>
        public double? ClassifierCosineStd { get; }

        /// <summary>Mean over pairs of <c>|cos(w_c, w_c') + 1/(C' - 1)|</c> for the classifier rows; null without a classifier.</summary>
        public double? ClassifierCosineDeviation { get; }

        /// <summary>
        /// Self-duality (NC3): the Frobenius distance <c>|| W/||W||_F - M/||M||_F ||_F</c> between the classifier rows
        /// <c>W</c> and the centred class means <c>M</c> (observed classes, each normalised as a whole); 0 when the
        /// classifier is a positive multiple of the centred means, at most 2. Papyan et al. plot its square. Null without a
        /// classifier.
        /// </summary>
        public double? SelfDuality { get; }
    }
}
