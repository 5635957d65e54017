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

        public static TrainingConfig Resolve(TrainingConfig cfg, bool lossGiven, Func<string, string> whereOf)
        {
            var fromSwitches = FromSwitches(cfg);
            string loss;
            if (!lossGiven) loss = fromSwitches ?? "cross_entropy";
            else if (cfg.Loss == "arb") loss = "arb_" + (cfg.ArbLossUseGlobalClassCnt ? "global" : "batch");
            else if (fromSwitches is not null && cfg.Loss != fromSwitches)
                throw new ConfigException("loss", $"{whereOf("loss")}: 'loss' is '{cfg.Loss}' but the authors' switches (LAS, arbloss, arbloss_fl, warbloss, arb_loss_use_global_class_cnt) say {fromSwitches}; remove one of them.");
            else loss = cfg.Loss;
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
