namespace Arbloss.Losses.Diagnostics
{
    /// <summary>The point the class means are centred on before the neural-collapse geometry is measured.</summary>
    public enum NeuralCollapseCentering
    {
        /// <summary>
        /// The global mean of all features (the sample mean; Papyan, Han and Donoho 2020). With balanced classes it
        /// equals the mean of the class means; with long-tailed data it leans towards the head classes.
        /// </summary>
        GlobalMean = 0,

        /// <summary>
        /// The unweighted mean of the class means (every observed class counts once): the centre of a simplex ETF
        /// whatever the class frequencies, the usual choice for imbalanced data.
        /// </summary>
        ClassMeanAverage = 1,
    }
}
