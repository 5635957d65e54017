namespace Arbloss.Losses.LongTail
{
    /// <summary>Shape of a long-tailed class-size profile (the authors' <c>imb_type</c>).</summary>
    public enum ImbalanceType
    {
        /// <summary>Exponential decay from the largest to the smallest class (<c>imb_type: exp</c>).</summary>
        Exponential = 0,

        /// <summary>Half the classes at the largest size, the other half at the smallest (<c>imb_type: step</c>).</summary>
        Step = 1,

        /// <summary>Every class at the largest size (a balanced control).</summary>
        Uniform = 2,
    }
}
