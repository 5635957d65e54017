namespace Arbloss.Samples.Reporting
{
    /// <summary>One confidence bin of a reliability diagram (accuracy and confidence in percent).</summary>
    /// <param name="Lower">Lower confidence edge of the bin, in [0, 1].</param>
    /// <param name="Upper">Upper confidence edge of the bin, in [0, 1].</param>
    /// <param name="Count">Test samples whose top confidence falls in the bin.</param>
    /// <param name="Accuracy">Their accuracy, percent (0 when the bin is empty).</param>
    /// <param name="Confidence">Their mean top confidence, percent (0 when the bin is empty).</param>
    public sealed record ReliabilityPoint(double Lower, double Upper, long Count, double Accuracy, double Confidence);
}
