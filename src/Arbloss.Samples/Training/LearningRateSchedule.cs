using System;
using Arbloss.Samples.Configuration;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// The authors' per-epoch learning-rate schedule. Step (<c>cos: false</c>): linear warm-up
    /// <c>lr * (e + 1) / warmup</c> for the first <c>warmup_epochs</c>, then <c>lr</c> times 0.1 for each of
    /// <c>lr_steps</c> that epoch <c>e + 1</c> has passed. Cosine (<c>cos: true</c>):
    /// <c>0.5 * lr * (1 + cos(pi * e / num_epochs))</c>, after the warm-up if one is configured (then over the
    /// remaining epochs). Epochs count from 0.
    /// </summary>
    public static class LearningRateSchedule
    {
        /// <summary>The learning rate of epoch <paramref name="epoch"/>.</summary>
        /// <param name="config">Supplies lr, cos, warmup_epochs, lr_steps and num_epochs.</param>
        /// <param name="epoch">Epoch, from 0.</param>
        /// <returns>The rate.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
        public static double At(TrainingConfig config, int epoch)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "Epochs count from 0.");
            int warmup = config.WarmupEpochs;
            if (epoch < warmup) return config.Lr * (epoch + 1) / warmup;
            if (config.Cos)
            {
                double progress = warmup == 0
                    ? epoch / (double)config.NumEpochs
                    : (epoch - warmup) / (double)Math.Max(1, config.NumEpochs - warmup);
                return 0.5 * config.Lr * (1 + Math.Cos(Math.PI * progress));
            }
            double lr = config.Lr;
            foreach (var step in config.LrSteps)
                if (epoch + 1 > step) lr *= 0.1;
            return lr;
        }
    }
}
