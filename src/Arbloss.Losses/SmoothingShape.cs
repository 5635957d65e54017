namespace Arbloss.Losses
{
    /// <summary>
    /// How <see cref="LabelAwareSmoothingLoss"/> moves the smoothing factor from the tail (smallest class, factor
    /// <c>smoothTail</c>) to the head (largest class, factor <c>smoothHead</c>), as a function of
    /// <c>x = (n_c - n_min) / (n_max - n_min)</c> in [0, 1] (Zhong et al., MiSLAS, CVPR 2021).
    /// </summary>
    public enum SmoothingShape
    {
        /// <summary><c>tail + (head - tail) * sin(x * pi / 2)</c> (MiSLAS's default).</summary>
        Concave = 0,

        /// <summary><c>tail + (head - tail) * x</c>.</summary>
        Linear = 1,

        /// <summary><c>head + (head - tail) * sin(3 pi / 2 + x * pi / 2)</c>, i.e. <c>head - (head - tail) * cos(x * pi / 2)</c>.</summary>
        Convex = 2,

        /// <summary><c>tail + (head - tail) * x^power</c>.</summary>
        Exponential = 3,
    }
}
