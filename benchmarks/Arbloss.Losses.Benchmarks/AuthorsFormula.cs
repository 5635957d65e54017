using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Benchmarks
{
    /// <summary>
    /// A literal port of the authors' ARB-Loss (lilydedbb/ARBLOSS, train_stage1.py: <c>ARB_Loss.__call__</c> and the
    /// class counts built in <c>train()</c>), the baseline ArbLoss is measured against, line by line:
    /// <code>
    /// unique_labels, cnt = torch.unique(target, return_counts=True)          # batch counts
    /// class_cnt = torch.zeros(C, dtype=output.dtype); class_cnt[unique_labels] = cnt.float()
    /// class_cnt = torch.tensor(dataset.class_cnt, dtype=output.dtype)        # global counts
    /// outputs = torch.clamp(outputs, min=-30., max=30.)
    /// exp = torch.exp(outputs)
    /// batch_cnt = class_cnt[labels]
    /// w = batch_cnt.reshape(-1, 1).repeat(1, num_classes)
    /// w = class_cnt.reshape(1, -1) / w
    /// _sum = torch.sum(exp * w, dim=1)
    /// softmax = exp.gather(1, labels.unsqueeze(-1)).squeeze() / _sum
    /// loss = -torch.log(softmax); loss.mean()
    /// </code>
    /// (without the <c>print</c> on every call). The two Scalars of the clamp are disposed at once, as TorchSharp code
    /// should (see Functional.Constants in the package), so the port leaves nothing to the finalizer.
    /// </summary>
    public static class AuthorsFormula
    {
        /// <summary>The mean loss; <paramref name="globalCounts"/> null means batch counts.</summary>
        public static Tensor Loss(Tensor logits, Tensor target, long[]? globalCounts)
        {
            long c = logits.size(1);
            Tensor classCnt;
            if (globalCounts is null)
            {
                var (uniqueLabels, _, cnt) = torch.unique(target, return_counts: true);
                classCnt = torch.zeros(c, logits.dtype, logits.device);
                classCnt.index_put_(cnt!.to_type(logits.dtype), uniqueLabels);
            }
            else
            {
                classCnt = torch.tensor(globalCounts.Select(v => (float)v).ToArray(), logits.dtype, logits.device);
            }
            Tensor outputs;
            using (Scalar min = (-30.0).ToScalar(), max = 30.0.ToScalar())
                outputs = logits.clamp(min, max);
            var exp = outputs.exp();
            var batchCnt = classCnt.index_select(0, target);
            var w = batchCnt.reshape(-1, 1).repeat(1, c);
            w = classCnt.reshape(1, -1) / w;
            var sum = (exp * w).sum(1);
            var softmax = exp.gather(1, target.unsqueeze(-1)).squeeze() / sum;
            var loss = -softmax.log();
            return loss.mean();
        }
    }
}
