using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace Arbloss.Samples.Configuration
{
    /// <summary>The keys a configuration may hold: every key with its description, the authors' keys that have no
    /// effect here, and the "did you mean" suggestion for a misspelt one.</summary>
    public static class ConfigKeys
    {
        /// <summary>The authors' keys (their <c>utils/logger.py</c> defaults) that have no effect on single-stage training
        /// here: multi-process GPU training (<c>gpu</c>, <c>world_size</c>, <c>rank</c>, <c>dist_url</c>, <c>dist_backend</c>,
        /// <c>multiprocessing_distributed</c>, <c>distributed</c>) and the stage-2 switches (<c>mode</c>, <c>shift_bn</c>,
        /// <c>lr_factor</c>, <c>train_stage2_instance</c>).</summary>
        public static IReadOnlyList<string> Ignored { get; } = new[]
        {
            "gpu", "world_size", "rank", "dist_url", "dist_backend", "multiprocessing_distributed", "distributed", "mode",
            "shift_bn", "lr_factor", "train_stage2_instance",
        };

        /// <summary>Every key a configuration may hold, with a one-line description (in file order of a typical config).</summary>
        public static IReadOnlyList<(string Key, string Description)> All => new (string, string)[]
        {
            ("name", "run name; the output folder is log_dir/name (default: the file name)"),
            ("dataset", "fashion-mnist | cifar10 | cifar100 | synthetic | synthetic-seg | seg-list (or a registered dataset)"),
            ("data_path", "folder with the dataset files (downloaded there when absent); empty: the dataset's default places"),
            ("num_classes", "number of classes (must match the dataset)"),
            ("imb_factor", "smallest / largest class size of the long-tailed training subset, in (0, 1]; null: the training set as it is"),
            ("imb_profile", "exp (default) | step | uniform: shape of the long-tailed subset"),
            ("backbone", "model: " + string.Join(" | ", ConfigLoader.Vocabulary.BackboneNames)),
            ("resume", "checkpoint to continue from (empty: start afresh)"),
            ("head_class_idx", "[start, end) classes reported as 'many' (omit all three to group by training count)"),
            ("med_class_idx", "[start, end) classes reported as 'medium'"),
            ("tail_class_idx", "[start, end) classes reported as 'few'"),
            ("lr", "base learning rate"),
            ("batch_size", "training batch size"),
            ("weight_decay", "SGD weight decay"),
            ("num_epochs", "training epochs"),
            ("momentum", "SGD momentum, in [0, 1)"),
            ("cos", "true: cosine schedule; false: linear warm-up then x0.1 steps at lr_steps"),
            ("warmup_epochs", "linear warm-up epochs (default 5 with steps, 0 with cos)"),
            ("lr_steps", "epochs after which the step schedule multiplies the rate by 0.1 (default [160, 240])"),
            ("mixup", "train on mixed input pairs"),
            ("alpha", "mixup Beta(alpha, alpha) parameter"),
            ("arbloss", "true: ARB-Loss (the authors' switch)"),
            ("arb_loss_use_global_class_cnt", "ARB-Loss (and its variants) with training-set counts instead of batch counts"),
            ("arbloss_fl", "true: focal ARB-Loss, -(1 - p_y)^2 log p_y with the ARB probability (after LAS and arbloss)"),
            ("warbloss", "true: weighted ARB-Loss, per-sample weight mean(n) / n_y (after LAS, arbloss and arbloss_fl)"),
            ("LAS", "true: label-aware smoothing (MiSLAS) with smooth_head / smooth_tail; on ARB-adjusted logits with arbloss"),
            ("smooth_head", "LAS: smoothing of the largest class, in [0, 1)"),
            ("smooth_tail", "LAS: smoothing of the smallest class, in [0, 1)"),
            ("not_pretrained", "true: start the authors' Places-LT backbone (resnet50_fe) from random weights"),
            ("loss", "loss by name: " + string.Join(" | ", ConfigLoader.Vocabulary.LossNames) + " (default: from the authors' switches)"),
            ("loss_options", "numeric options of the loss, e.g. {gamma: 2.0}"),
            ("sampler", "training order: " + string.Join(" | ", ConfigLoader.Vocabulary.SamplerNames)),
            ("seed", "seed for the subset, data order, augmentation, mixup and initialisation"),
            ("deterministic", "runs are always seeded; true also turns TF32 off on CUDA"),
            ("workers", "threads building batches in parallel"),
            ("print_freq", "batches between progress lines in non-interactive output"),
            ("log_dir", "parent folder of the run's output folder"),
            ("model_dir", "checkpoint folder, relative to the output folder"),
            ("gradient_balance", "accumulate the attraction / repulsion gradient-norm matrix each epoch"),
            ("image_root", "list-file datasets: folder the list's image paths are relative to (empty: data_path)"),
            ("image_size", "list-file datasets: side of the square crops (default 224, the authors'); smaller for tests/debugging only; segmentation: side of the scenes / resized images (synthetic-seg default 48, seg-list 256)"),
            ("train_scenes", "synthetic-seg: number of generated training scenes (default 3000)"),
            ("test_scenes", "synthetic-seg: number of generated test scenes (default 500)"),
            ("pretrained", "resnet50 | resnet152: ImageNet state_dict (.pth or safetensors) to start from, classifier excluded"),
            ("freeze_backbone", "resnet50 | resnet152: train only the last Bottleneck block and the classifier (Places-LT)"),
            ("bf16", "resnet50 | resnet152: backbone convolutions in bfloat16, classifier and loss in float32"),
            ("accumulation_steps", "micro-batches per optimiser step; batch_size stays the effective batch (default 1)"),
        };

        private static readonly Lazy<HashSet<string>> KnownSet = new(() => new HashSet<string>(All.Select(k => k.Key), StringComparer.Ordinal));

        private static HashSet<string> Known => KnownSet.Value;

        /// <summary>Whether <paramref name="key"/> is one of <see cref="All"/>.</summary>
        /// <param name="key">A key as written (case matters, as in the authors' yacs configs).</param>
        /// <returns>True when the key is known.</returns>
        public static bool IsKnown(string key) => Known.Contains(key);

        internal static ConfigException UnknownKey(string key, string where, bool fromCommandLine = false) =>
            new(key, $"{where}: unknown key '{key}'.{Suggestions.DidYouMean(key, Known)} Run 'configs --keys' for the list.", null, fromCommandLine);

        internal static int Distance(string a, string b) => Suggestions.Distance(a, b);
    }
}
