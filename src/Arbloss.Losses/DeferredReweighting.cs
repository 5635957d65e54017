using System;
using System.Collections.Generic;
using Arbloss.Losses.LongTail;

namespace Arbloss.Losses
{
    /// <summary>
    /// The deferred re-weighting (DRW) schedule of Cao et al. (LDAM-DRW): unweighted training until
    /// <see cref="StartEpoch"/>, then per-class weights by effective number (Cui et al.,
    /// <c>(1 - beta) / (1 - beta^n_c)</c>, beta = 0.9999, normalised to mean 1 as
    /// <see cref="LongTail.ClassWeights.EffectiveNumber"/>).
    /// </summary>
    /// <remarks>
    /// Each epoch: <c>drw.Apply(ldamLoss, epoch)</c>, or pass <c>drw.WeightsAt(epoch)</c> to any weighted loss. Before
    /// the switch every non-empty class has weight 1; a class with count 0 has weight 0 throughout.
    /// </remarks>
    public sealed class DeferredReweighting
    {
        private readonly double[] _before;
        private readonly double[] _after;

        /// <summary>Creates the schedule.</summary>
        /// <param name="classCounts">Training-set class counts: non-negative, at least one positive.</param>
        /// <param name="startEpoch">First re-weighted epoch, &gt;= 0 (the authors use 160 of 200 on CIFAR).</param>
        /// <param name="beta">Effective-number beta in [0, 1) (default 0.9999).</param>
        /// <exception cref="ArgumentNullException"><paramref name="classCounts"/> is null.</exception>
        /// <exception cref="ArgumentException">The counts are empty, negative, or all zero.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="startEpoch"/> is negative or <paramref name="beta"/> is outside [0, 1).</exception>
        public DeferredReweighting(IReadOnlyList<long> classCounts, int startEpoch = 160, double beta = ClassWeights.DefaultBeta)
        {
            if (startEpoch < 0)
                throw new ArgumentOutOfRangeException(nameof(startEpoch), startEpoch, "The re-weighting start epoch must be non-negative.");
            _after = ClassWeights.EffectiveNumber(classCounts, beta);
            _before = ClassWeights.EffectiveNumber(classCounts, 0);
            StartEpoch = startEpoch;
            Beta = beta;
        }

        /// <summary>First epoch with effective-number weights.</summary>
        public int StartEpoch { get; }

        /// <summary>Effective-number beta used from <see cref="StartEpoch"/> on.</summary>
        public double Beta { get; }

        /// <summary>Whether <paramref name="epoch"/> is re-weighted.</summary>
        /// <param name="epoch">Epoch number.</param>
        /// <returns>True from <see cref="StartEpoch"/> on.</returns>
        public bool IsReweighting(int epoch) => epoch >= StartEpoch;

        /// <summary>The per-class weights for <paramref name="epoch"/>.</summary>
        /// <param name="epoch">Epoch number.</param>
        /// <returns>A new array: ones (0 for empty classes) before <see cref="StartEpoch"/>, effective-number weights from it on.</returns>
        public double[] WeightsAt(int epoch) => (double[])(IsReweighting(epoch) ? _after : _before).Clone();

        /// <summary>Sets <paramref name="loss"/>'s class weights to <see cref="WeightsAt"/>(<paramref name="epoch"/>)
        /// (as the authors' code, which uses weight 1 per class before the switch).</summary>
        /// <param name="loss">The LDAM loss built from the same class counts.</param>
        /// <param name="epoch">Epoch number.</param>
        /// <exception cref="ArgumentNullException"><paramref name="loss"/> is null.</exception>
        /// <exception cref="ArgumentException">The loss has a different number of classes.</exception>
        public void Apply(LdamLoss loss, int epoch)
        {
            if (loss is null) throw new ArgumentNullException(nameof(loss));
            if (loss.NumClasses != _after.Length)
                throw new ArgumentException($"The loss has {loss.NumClasses} classes but the schedule was built for {_after.Length}.", nameof(loss));
            loss.SetClassWeights(IsReweighting(epoch) ? _after : _before);
        }
    }
}
