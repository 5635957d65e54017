using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace Arbloss.Samples.Configuration
{
    /// <summary>The loss a config names: <c>loss</c>, or the authors' switches (<c>LAS</c>, <c>arbloss</c>,
    /// <c>arbloss_fl</c>, <c>warbloss</c>, <c>arb_loss_use_global_class_cnt</c>), and the smoothing options of LAS.</summary>
    internal static class LossSwitches
    {
        /// <summary>The loss the authors' switches name, in their precedence: <c>LAS</c> (label-aware smoothing, on
        /// ARB-adjusted logits with <c>arbloss</c>), then <c>arbloss</c>, <c>arbloss_fl</c>, <c>warbloss</c>; each ARB
        /// loss with batch counts, or training-set counts with <c>arb_loss_use_global_class_cnt</c>.</summary>
        public static string? FromSwitches(TrainingConfig cfg)
        {
            var counts = cfg.ArbLossUseGlobalClassCnt ? "global" : "batch";
            if (cfg.Las) return cfg.ArbLoss ? "arb_las_" + counts : "label_aware_smoothing";
            if (cfg.ArbLoss) return "arb_" + counts;
            if (cfg.ArbLossFl) return "arb_focal_" + counts;
            if (cfg.WArbLoss) return "arb_weighted_" + counts;
            return null;
        }

        /// <summary>The authors' switches, which pick a loss together.</summary>
        public static IReadOnlyList<string> SwitchKeys { get; } = new[] { "LAS", "arbloss", "arbloss_fl", "warbloss", "arb_loss_use_global_class_cnt" };

        /// <summary>Settles <c>loss</c> against the switches. When they disagree, what was typed on the command line wins
        /// over the file: <c>--set loss=NAME</c> replaces the file's switches, <c>--set arbloss=true</c> (or another switch)
        /// replaces the file's <c>loss</c>; when both sides come from the same place it is an error naming the key.</summary>
        /// <param name="cfg">The parsed config.</param>
        /// <param name="lossGiven">Whether <c>loss</c> was given.</param>
        /// <param name="whereOf">Where a key came from, for messages.</param>
        /// <param name="typed">Whether a key was typed on the command line.</param>
        public static TrainingConfig Resolve(TrainingConfig cfg, bool lossGiven, Func<string, string> whereOf, Func<string, bool> typed)
        {
            var fromSwitches = FromSwitches(cfg);
            bool lossTyped = lossGiven && typed("loss");
            bool switchTyped = SwitchKeys.Any(typed);
            bool switchesDecide = true;
            string loss;
            if (!lossGiven) loss = fromSwitches ?? "cross_entropy";
            else if (cfg.Loss == "arb") loss = "arb_" + (cfg.ArbLossUseGlobalClassCnt ? "global" : "batch");
            else if (fromSwitches is null || cfg.Loss == fromSwitches) loss = cfg.Loss;
            else if (lossTyped && !switchTyped) { loss = cfg.Loss; switchesDecide = false; }
            else if (switchTyped && !lossTyped) loss = fromSwitches;
            else if (lossTyped)
                throw new ConfigException("loss", $"{whereOf("loss")}: 'loss' is '{cfg.Loss}' but the switches also typed ({string.Join(", ", SwitchKeys.Where(typed))}) say {fromSwitches}; give only one of them.", null, fromCommandLine: true);
            else
                throw new ConfigException("loss", $"{whereOf("loss")}: 'loss' is '{cfg.Loss}' but the authors' switches (LAS, arbloss, arbloss_fl, warbloss, arb_loss_use_global_class_cnt) say {fromSwitches}; remove one of them from the file, or override it with --set loss={cfg.Loss} (loss typed on the command line wins over the file's switches).");
            if (!switchesDecide)
                return cfg with { Loss = loss };
            cfg = cfg with { Loss = loss };
            if (!cfg.Las) return cfg;
            // LAS takes its two smoothing values from the authors' keys.
            foreach (var (key, value) in new[] { ("smooth_head", cfg.SmoothHead), ("smooth_tail", cfg.SmoothTail) })
                if (value is null)
                    throw new ConfigException(key, $"{whereOf(key)}: 'LAS' is true but '{key}' is not set; give smooth_head and smooth_tail (e.g. --set {key}=0.1).");
            if (cfg.LossOptions.Count > 0)
                throw new ConfigException("loss_options", $"{whereOf("loss_options")}: with 'LAS' the smoothing comes from smooth_head and smooth_tail; remove loss_options.");
            return cfg with
            {
                LossOptions = new Dictionary<string, double>(StringComparer.Ordinal) { ["smooth_head"] = cfg.SmoothHead!.Value, ["smooth_tail"] = cfg.SmoothTail!.Value },
            };
        }

    }
}
