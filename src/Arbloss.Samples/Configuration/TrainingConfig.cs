using System.Collections.Generic;

namespace Arbloss.Samples.Configuration
{
    /// <summary>
    /// One training run's settings: the authors' YAML keys (their files load as they are) plus <c>loss</c>,
    /// <c>seed</c> and a few documented extensions. Built and validated by <see cref="ConfigLoader"/>; every
    /// property notes its YAML key.
    /// </summary>
    public sealed record TrainingConfig
    {
        /// <summary><c>name</c>: run name, used for the output folder. Default: the file name without extension.</summary>
        public string Name { get; init; } = "run";

        /// <summary><c>dataset</c>: <c>fashion-mnist</c>, <c>cifar10</c>, <c>cifar100</c>, <c>synthetic</c>, or any
        /// dataset registered in <c>DatasetRegistry</c>.</summary>
        public string Dataset { get; init; } = "fashion-mnist";

        /// <summary><c>data_path</c>: folder holding (or receiving) the dataset files; empty for the dataset's default places.</summary>
        public string DataPath { get; init; } = "";

        /// <summary><c>num_classes</c>: number of classes; must match the dataset.</summary>
        public int NumClasses { get; init; } = 10;

        /// <summary><c>imb_factor</c>: smallest over largest class size of the long-tailed training subset, in (0, 1]
        /// (1: every class cut to the largest class's size, in the authors' class-by-class order); null (the authors'
        /// <c>imb_factor: null</c> of the list-file datasets) keeps the training set as it is.</summary>
        public double? ImbFactor { get; init; } = 0.01;

        /// <summary><c>imb_profile</c> (extension): <c>exp</c> (the authors' exponential profile), <c>step</c> or <c>uniform</c>.</summary>
        public string ImbProfile { get; init; } = "exp";

        /// <summary><c>backbone</c>: model name for <c>ModelFactory</c> (e.g. <c>resnet32</c> or the authors' <c>resnet32_fe</c>).</summary>
        public string Backbone { get; init; } = "fashion_mnist_cnn";

        /// <summary><c>resume</c>: checkpoint to continue from; empty to start afresh.</summary>
        public string Resume { get; init; } = "";

        /// <summary><c>head_class_idx</c>: class range reported as "many"; null to group classes by training count.</summary>
        public ClassRange? HeadClassIdx { get; init; }

        /// <summary><c>med_class_idx</c>: class range reported as "medium"; null to group classes by training count.</summary>
        public ClassRange? MedClassIdx { get; init; }

        /// <summary><c>tail_class_idx</c>: class range reported as "few"; null to group classes by training count.</summary>
        public ClassRange? TailClassIdx { get; init; }

        /// <summary><c>lr</c>: base learning rate.</summary>
        public double Lr { get; init; } = 0.1;

        /// <summary><c>batch_size</c>: training batch size.</summary>
        public int BatchSize { get; init; } = 128;

        /// <summary><c>weight_decay</c>: SGD weight decay (L2).</summary>
        public double WeightDecay { get; init; } = 2e-4;

        /// <summary><c>num_epochs</c>: number of training epochs.</summary>
        public int NumEpochs { get; init; } = 200;

        /// <summary><c>momentum</c>: SGD momentum.</summary>
        public double Momentum { get; init; } = 0.9;

        /// <summary><c>cos</c>: cosine learning-rate schedule (per epoch, as in the authors' code) instead of warm-up + steps.</summary>
        public bool Cos { get; init; }

        /// <summary><c>warmup_epochs</c> (extension): linear warm-up epochs; default 5 for the step schedule, 0 for cosine.</summary>
        public int WarmupEpochs { get; init; } = 5;

        /// <summary><c>lr_steps</c> (extension): epochs after which the step schedule multiplies the rate by 0.1;
        /// default the authors' 160 and 240.</summary>
        public IReadOnlyList<int> LrSteps { get; init; } = new[] { 160, 240 };

        /// <summary><c>mixup</c>: train on mixed pairs of inputs.</summary>
        public bool Mixup { get; init; }

        /// <summary><c>alpha</c>: mixup's Beta(alpha, alpha) parameter.</summary>
        public double Alpha { get; init; } = 1.0;

        /// <summary><c>arbloss</c>: train with ARB-Loss (the authors' switch; <c>loss</c> is the general one).</summary>
        public bool ArbLoss { get; init; }

        /// <summary><c>arb_loss_use_global_class_cnt</c>: ARB-Loss with training-set counts instead of batch counts.</summary>
        public bool ArbLossUseGlobalClassCnt { get; init; }

        /// <summary><c>arbloss_fl</c>: the authors' focal ARB-Loss switch (see <c>LossFactory</c> for the precedence of the switches).</summary>
        public bool ArbLossFl { get; init; }

        /// <summary><c>warbloss</c>: the authors' weighted ARB-Loss switch (per-sample weight mean(n) / n_y).</summary>
        public bool WArbLoss { get; init; }

        /// <summary><c>LAS</c>: the authors' label-aware smoothing switch (MiSLAS), on ARB-adjusted logits when <c>arbloss</c> is true.</summary>
        public bool Las { get; init; }

        /// <summary><c>smooth_head</c>: label-aware smoothing of the largest class; null (the authors' default) when LAS is off.</summary>
        public double? SmoothHead { get; init; }

        /// <summary><c>smooth_tail</c>: label-aware smoothing of the smallest class; null (the authors' default) when LAS is off.</summary>
        public double? SmoothTail { get; init; }

        /// <summary><c>not_pretrained</c>: start the authors' Places-LT backbone from random weights instead of ImageNet's.</summary>
        public bool NotPretrained { get; init; }

        /// <summary><c>loss</c>: the loss by name (see <c>LossFactory.Names</c>); derived from <c>arbloss</c> when absent.</summary>
        public string Loss { get; init; } = "cross_entropy";

        /// <summary><c>loss_options</c> (extension): numeric options of the chosen loss, e.g. <c>{gamma: 2}</c> for focal loss.</summary>
        public IReadOnlyDictionary<string, double> LossOptions { get; init; } = new Dictionary<string, double>();

        /// <summary><c>sampler</c> (extension): order of training samples, <c>instance</c> (plain shuffling, the
        /// authors' recipe) or another sampler of the package.</summary>
        public string Sampler { get; init; } = "instance";

        /// <summary><c>seed</c>: seeds the subset selection, data order, augmentation, mixup and weight initialisation.</summary>
        public long Seed { get; init; }

        /// <summary><c>deterministic</c>: the authors' switch. Every run here is seeded from <c>seed</c> (data order,
        /// augmentation, mixup, initialisation), so CPU runs repeat bit for bit on the same machine and thread count either
        /// way; with <c>true</c> TF32 matrix products are also turned off on CUDA.</summary>
        public bool Deterministic { get; init; }

        /// <summary><c>workers</c>: threads that build training batches in parallel (0: on the training thread).</summary>
        public int Workers { get; init; } = 2;

        /// <summary><c>print_freq</c>: batches between progress updates in non-interactive output.</summary>
        public int PrintFreq { get; init; } = 40;

        /// <summary><c>log_dir</c>: folder under which the run's output folder <c>log_dir/name</c> is made (unless <c>--out</c> is given).</summary>
        public string LogDir { get; init; } = "runs";

        /// <summary><c>model_dir</c>: checkpoint folder, relative to the run's output folder unless absolute.</summary>
        public string ModelDir { get; init; } = "checkpoints";

        /// <summary><c>gradient_balance</c> (extension): accumulate the attraction / repulsion gradient-norm matrix each epoch.</summary>
        public bool GradientBalance { get; init; }

        /// <summary><c>image_root</c> (extension, list-file datasets): folder the list's image paths are relative to; empty for <c>data_path</c>.</summary>
        public string ImageRoot { get; init; } = "";

        /// <summary><c>image_size</c> (extension, list-file datasets): side of the square crops; 0 for the authors' 224.
        /// Smaller sizes are for tests and debugging (e.g. <c>--set image_size=32</c>).</summary>
        public int ImageSize { get; init; }

        /// <summary><c>train_scenes</c> (extension, <c>synthetic-seg</c>): number of generated training scenes; 0 for the
        /// dataset's default.</summary>
        public int TrainScenes { get; init; }

        /// <summary><c>test_scenes</c> (extension, <c>synthetic-seg</c>): number of generated test scenes; 0 for the
        /// dataset's default.</summary>
        public int TestScenes { get; init; }

        /// <summary><c>pretrained</c> (extension, resnet50 / resnet152): PyTorch state_dict (<c>.pth</c> or safetensors)
        /// of ImageNet weights to start from, classifier excluded; empty for a fresh initialisation.</summary>
        public string Pretrained { get; init; } = "";

        /// <summary><c>freeze_backbone</c> (extension, resnet50 / resnet152): train only the last Bottleneck block and the
        /// classifier (the authors' Places-LT setup).</summary>
        public bool FreezeBackbone { get; init; }

        /// <summary><c>bf16</c> (extension, resnet50 / resnet152): run the backbone's convolutions in bfloat16; the
        /// classifier and the loss stay in float32.</summary>
        public bool Bf16 { get; init; }

        /// <summary><c>accumulation_steps</c> (extension): split each batch of <c>batch_size</c> into this many
        /// micro-batches and accumulate their gradients before one optimiser step (the effective batch stays
        /// <c>batch_size</c>; ARB-Loss batch counts are those of the whole effective batch). Default 1.</summary>
        public int AccumulationSteps { get; init; } = 1;

        /// <summary>The authors' keys of the file that have no effect here (see <see cref="ConfigKeys.Ignored"/>).</summary>
        public IReadOnlyList<string> IgnoredKeys { get; init; } = System.Array.Empty<string>();

        /// <summary>Where the configuration came from (a file path, or a description), for messages.</summary>
        public string Source { get; init; } = "(built in code)";

        /// <summary>Where each key given came from: <c>file: line N</c>, or the override as typed (<c>--set key=value</c>).</summary>
        public IReadOnlyDictionary<string, string> Origins { get; init; } = new Dictionary<string, string>();

        /// <summary>The keys given on the command line (<c>--set</c> or trailing <c>KEY VALUE</c> pairs).</summary>
        public IReadOnlyCollection<string> TypedKeys { get; init; } = System.Array.Empty<string>();

        /// <summary>Names a key for a message, once: as typed when it came from the command line (<c>--set resume=DIR</c>,
        /// or an option such as the main job's <c>--resume</c>), else <c>file: line N: 'resume'</c> (or <c>file: 'resume'</c>
        /// when the key was not given).</summary>
        /// <param name="key">A config key.</param>
        /// <returns>The text that starts a message about the key.</returns>
        public string WhereOf(string key)
        {
            if (Origins.TryGetValue(key, out var where))
                return where.StartsWith("--", System.StringComparison.Ordinal) ? where : $"{where}: '{key}'";
            return $"{Source}: '{key}'";
        }

        /// <summary>Whether <paramref name="key"/> was given on the command line (<c>--set</c> or a trailing pair).</summary>
        /// <param name="key">A config key.</param>
        /// <returns>True when it was typed.</returns>
        public bool IsTyped(string key) => System.Linq.Enumerable.Contains(TypedKeys, key);
    }
}
