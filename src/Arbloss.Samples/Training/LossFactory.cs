using System;
using System.Collections.Generic;
using System.Linq;
using Arbloss.Losses;
using Arbloss.Samples.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Training
{
    /// <summary>
    /// Builds the loss a config names (<c>loss:</c>, or the authors' <c>arbloss</c> switches) from the package's
    /// losses, with the numeric options of <c>loss_options</c>.
    /// </summary>
    public static class LossFactory
    {
        private sealed record Entry(string Description, IReadOnlyDictionary<string, double> Defaults,
            Func<IReadOnlyList<long>, Func<string, double>, TrainingConfig, TrainingCriterion> Build);

        private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal)
        {
            ["cross_entropy"] = new("softmax cross-entropy", Options(),
                (_, _, _) => new TrainingCriterion("cross_entropy", nn.CrossEntropyLoss())),
            ["arb_batch"] = new("ARB-Loss, counts from each batch (the authors' default)", Options(),
                (counts, _, _) => new TrainingCriterion("arb_batch", new ArbLoss(counts.Count))),
            ["arb_global"] = new("ARB-Loss, training-set counts", Options(),
                (counts, _, _) => new TrainingCriterion("arb_global", new ArbLoss(counts.ToArray()))),
            ["arb_focal_batch"] = new("focal ARB-Loss, -(1 - p_y)^gamma log p_y with the ARB probability, batch counts (the authors' arbloss_fl)", Options(("gamma", 2.0)),
                (counts, o, _) => new TrainingCriterion("arb_focal_batch", new ArbFocalLoss(counts.Count, o("gamma")))),
            ["arb_focal_global"] = new("focal ARB-Loss, training-set counts", Options(("gamma", 2.0)),
                (counts, o, _) => new TrainingCriterion("arb_focal_global", new ArbFocalLoss(counts.ToArray(), o("gamma")))),
            ["arb_weighted_batch"] = new("weighted ARB-Loss, per-sample weight mean(n) / n_y, batch counts (the authors' warbloss)", Options(),
                (counts, _, _) => new TrainingCriterion("arb_weighted_batch", new WeightedArbLoss(counts.Count))),
            ["arb_weighted_global"] = new("weighted ARB-Loss, training-set counts", Options(),
                (counts, _, _) => new TrainingCriterion("arb_weighted_global", new WeightedArbLoss(counts.ToArray()))),
            ["arb_las_batch"] = new("ARB-Loss with label-aware smoothing (MiSLAS's concave schedule from the training counts), batch counts (the authors' LAS with arbloss)", Options(("smooth_head", 0.4), ("smooth_tail", 0.1)),
                (counts, o, _) => new TrainingCriterion("arb_las_batch", new ArbLabelAwareSmoothingLoss(counts.ToArray(), CountSource.Batch, o("smooth_head"), o("smooth_tail")))),
            ["arb_las_global"] = new("ARB-Loss with label-aware smoothing, training-set counts", Options(("smooth_head", 0.4), ("smooth_tail", 0.1)),
                (counts, o, _) => new TrainingCriterion("arb_las_global", new ArbLabelAwareSmoothingLoss(counts.ToArray(), CountSource.Global, o("smooth_head"), o("smooth_tail")))),
            ["logit_adjusted"] = new("logit-adjusted cross-entropy (Menon et al.)", Options(("tau", 1.0)),
                (counts, o, _) => new TrainingCriterion("logit_adjusted", new LogitAdjustedLoss(counts.ToArray(), o("tau")))),
            ["ldam"] = new("LDAM, label-distribution-aware margins (Cao et al.), on a cosine head (normalised features and classifier rows) as theirs", Options(("max_m", 0.5), ("s", 30.0)),
                (counts, o, _) => new TrainingCriterion("ldam", new LdamLoss(counts.ToArray(), o("max_m"), o("s")))),
            ["ldam_drw"] = new("LDAM with deferred re-weighting from drw_epoch (epochs count from 0), cosine head", Options(("max_m", 0.5), ("s", 30.0), ("drw_epoch", 160), ("beta", 0.9999)),
                (counts, o, _) =>
                {
                    var ldam = new LdamLoss(counts.ToArray(), o("max_m"), o("s"));
                    var drw = new DeferredReweighting(counts, WholeNumber(o("drw_epoch"), "drw_epoch"), o("beta"));
                    return new TrainingCriterion("ldam_drw", ldam, epoch => drw.Apply(ldam, epoch));
                }),
            ["focal"] = new("focal loss (Lin et al.)", Options(("gamma", 2.0)),
                (_, o, _) => new TrainingCriterion("focal", new FocalLoss(o("gamma")))),
            ["class_balanced"] = new("class-balanced softmax cross-entropy, effective-number weights (Cui et al.)", Options(("beta", 0.9999)),
                (counts, o, _) => new TrainingCriterion("class_balanced", new ClassBalancedLoss(counts.ToArray(), o("beta")))),
            ["class_balanced_focal"] = new("class-balanced focal loss (Cui et al.)", Options(("beta", 0.9999), ("gamma", 2.0)),
                (counts, o, _) => new TrainingCriterion("class_balanced_focal", new ClassBalancedLoss(counts.ToArray(), o("beta"), ClassBalancedBase.Focal, o("gamma")))),
            ["label_aware_smoothing"] = new("label-aware smoothing (MiSLAS; concave schedule)", Options(("smooth_head", 0.4), ("smooth_tail", 0.1)),
                (counts, o, _) => new TrainingCriterion("label_aware_smoothing", new LabelAwareSmoothingLoss(counts.ToArray(), o("smooth_head"), o("smooth_tail")))),
        };

        /// <summary>Whether a loss expects the cosine classifier head (<see cref="Models.ClassifierNetwork.CosineHead"/>):
        /// LDAM and LDAM-DRW, whose scale s = 30 is meant for logits in [-1, 1] (Cao et al.'s setup).</summary>
        /// <param name="loss">A loss name.</param>
        /// <returns>True for <c>ldam</c> and <c>ldam_drw</c>.</returns>
        public static bool WantsCosineHead(string loss) => loss is "ldam" or "ldam_drw";

        /// <summary>The loss names a config may use.</summary>
        public static IReadOnlyList<string> Names => Entries.Keys.ToArray();

        /// <summary>One line per loss: name, description and options with their defaults.</summary>
        /// <returns>The lines.</returns>
        public static IEnumerable<string> Describe() => Entries.Select(e =>
            $"{e.Key}: {e.Value.Description}" + (e.Value.Defaults.Count == 0 ? "" :
                " (loss_options: " + string.Join(", ", e.Value.Defaults.Select(d => $"{d.Key}={d.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")) + ")"));

        /// <summary>Checks that every option in <paramref name="options"/> belongs to <paramref name="loss"/>.</summary>
        /// <param name="loss">A loss name.</param>
        /// <param name="options">The config's loss_options.</param>
        /// <param name="where">Where the options came from, for the message.</param>
        /// <exception cref="ConfigException">The loss is unknown or an option does not belong to it.</exception>
        public static void ValidateOptions(string loss, IReadOnlyDictionary<string, double> options, string where)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (!Entries.TryGetValue(loss, out var entry))
                throw new ConfigException("loss", $"{where}: unknown loss '{loss}'; known: {string.Join(", ", Names)}.");
            foreach (var key in options.Keys)
                if (!entry.Defaults.ContainsKey(key))
                    throw new ConfigException("loss_options", $"{where}: 'loss_options': '{key}' is not an option of {loss}" +
                        (entry.Defaults.Count == 0 ? " (it has none)." : $" (its options: {string.Join(", ", entry.Defaults.Keys)})."));
        }

        /// <summary>Builds the loss of <paramref name="config"/>.</summary>
        /// <param name="config">Supplies loss and loss_options.</param>
        /// <param name="trainClassCounts">Training-set count of every class.</param>
        /// <returns>The criterion, on the CPU.</returns>
        /// <exception cref="ConfigException">The loss is unknown or an option is invalid for it.</exception>
        /// <exception cref="ArgumentException">The loss rejects the counts or an option value.</exception>
        public static TrainingCriterion Create(TrainingConfig config, IReadOnlyList<long> trainClassCounts)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(trainClassCounts);
            ValidateOptions(config.Loss, config.LossOptions, config.Source);
            var entry = Entries[config.Loss];
            double option(string key) => config.LossOptions.TryGetValue(key, out var v) ? v : entry.Defaults[key];
            try
            {
                return entry.Build(trainClassCounts, option, config);
            }
            catch (ArgumentException e) when (e.ParamName is not ("classCounts" or "counts"))
            {
                throw new ConfigException("loss_options", $"{config.Source}: 'loss_options' of {config.Loss}: {e.Message}", e);
            }
        }

        /// <summary>Checks the option values of a config's loss by building it once for uniform counts.</summary>
        /// <param name="config">Supplies loss, loss_options and num_classes.</param>
        /// <exception cref="ConfigException">An option value is out of range for the loss.</exception>
        public static void ValidateValues(TrainingConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            var uniform = Enumerable.Repeat(1L, config.NumClasses).ToArray();
            using var probe = Create(config, uniform);
        }

        private static int WholeNumber(double value, string name)
        {
            if (value != Math.Floor(value) || value < 0 || value > int.MaxValue)
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a whole number of epochs, at least 0.");
            return (int)value;
        }

        private static IReadOnlyDictionary<string, double> Options(params (string Key, double Default)[] options) =>
            options.ToDictionary(o => o.Key, o => o.Default, StringComparer.Ordinal);
    }
}
