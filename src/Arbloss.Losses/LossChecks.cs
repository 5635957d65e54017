using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>Argument validation shared by the losses: every failure is an <see cref="ArgumentException"/> naming the argument.</summary>
    internal static class LossChecks
    {
        /// <summary>Logits must be a floating-point matrix [B, C] with C &gt;= 1.</summary>
        internal static void Logits(Tensor input, string name = "input")
        {
            if (input is null) throw new ArgumentNullException(name);
            if (input.IsInvalid) throw new ArgumentException("The logits tensor has been disposed.", name);
            if (input.dim() != 2)
                throw new ArgumentException($"Logits must have shape [batch, classes]; got rank {input.dim()} with shape [{string.Join(", ", input.shape)}]. Reshape to 2-D (e.g. input.view(-1, numClasses)).", name);
            if (!input.is_floating_point())
                throw new ArgumentException($"Logits must be floating point (float16, bfloat16, float32 or float64); got {input.dtype}. Convert with input.to_type(ScalarType.Float32).", name);
            if (input.size(1) < 1)
                throw new ArgumentException("Logits must have at least one class column.", name);
        }

        /// <summary>Targets must be an int64 vector [B] on the logits' device.</summary>
        internal static void Target(Tensor target, Tensor input, string name = "target")
        {
            if (target is null) throw new ArgumentNullException(name);
            if (target.IsInvalid) throw new ArgumentException("The target tensor has been disposed.", name);
            if (target.dim() != 1)
                throw new ArgumentException($"Targets must be a vector [batch] of class indices; got shape [{string.Join(", ", target.shape)}]. For one-hot or soft targets pass the class indices (argmax).", name);
            if (target.dtype != ScalarType.Int64)
                throw new ArgumentException($"Targets must be int64 class indices; got {target.dtype}. Convert with target.to_type(ScalarType.Int64).", name);
            if (target.size(0) != input.size(0))
                throw new ArgumentException($"Batch size mismatch: logits have {input.size(0)} rows but targets have {target.size(0)} entries.", name);
            if (!SameDevice(target, input))
                throw new ArgumentException($"Targets are on {target.device} but logits are on {input.device}; move them with target.to(input.device).", name);
        }

        /// <summary>Per-class counts supplied as a tensor: a vector [C] of finite, non-negative numbers on the logits' device.</summary>
        internal static void CountsShape(Tensor counts, Tensor input, string name)
        {
            if (counts.IsInvalid) throw new ArgumentException("The class-count tensor has been disposed.", name);
            if (counts.dim() != 1 || counts.size(0) != input.size(1))
                throw new ArgumentException($"Class counts must be a vector with one entry per class ({input.size(1)}); got shape [{string.Join(", ", counts.shape)}].", name);
            if (counts.dtype == ScalarType.Bool || torch.is_complex(counts.dtype))
                throw new ArgumentException($"Class counts must be integer or floating point; got {counts.dtype}.", name);
            if (!SameDevice(counts, input))
                throw new ArgumentException($"Class counts are on {counts.device} but logits are on {input.device}; keep the counts on the logits' device (register them as a buffer or move them once with counts.to(device)).", name);
        }

        /// <summary>True when both tensors live on the same device (type and index).</summary>
        internal static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

        /// <summary>Host-side class counts: non-empty, each finite and non-negative, at least one positive.</summary>
        internal static double[] HostCounts(IReadOnlyList<double> counts, string name)
        {
            if (counts is null) throw new ArgumentNullException(name);
            if (counts.Count == 0) throw new ArgumentException("Class counts must contain one entry per class; got an empty array.", name);
            var result = new double[counts.Count];
            bool anyPositive = false;
            for (int i = 0; i < counts.Count; i++)
            {
                double c = counts[i];
                if (double.IsNaN(c) || double.IsInfinity(c))
                    throw new ArgumentException($"Class count {i} is {c}; counts must be finite.", name);
                if (c < 0)
                    throw new ArgumentException($"Class count {i} is {c}; counts must be non-negative.", name);
                anyPositive |= c > 0;
                result[i] = c;
            }
            if (!anyPositive) throw new ArgumentException("All class counts are zero; at least one class needs training samples.", name);
            return result;
        }

        /// <summary>
        /// One device synchronisation that checks targets lie in [0, C) and, when <paramref name="counts"/> is given,
        /// that counts are finite and non-negative and every target's count is positive. Only on failure is the
        /// exact problem located (slow path) and thrown.
        /// </summary>
        internal static void Values(Tensor target, long numClasses, Tensor? counts, string targetName, string countsName)
        {
            if (target.device_type == DeviceType.CPU && (counts is null || counts.device_type == DeviceType.CPU))
            {
                HostValues(target, numClasses, counts, targetName, countsName);
                return;
            }
            using var scope = NewDisposeScope();
            // Scalars cached or made per call and disposed at its end (TorchSharp frees Scalars in the finalizer only).
            var zero = Functional.Constants.Zero;
            using var classLimit = numClasses.ToScalar();
            using var lastClass = (numClasses - 1).ToScalar();
            Tensor bad = target.lt(zero).logical_or(target.ge(classLimit)).any();
            if (counts is not null)
            {
                var c = counts.to_type(ScalarType.Float64);
                bad = bad.logical_or(c.isfinite().logical_not().any()).logical_or(c.lt(zero).any());
                if (target.size(0) > 0)
                {
                    var picked = c.index_select(0, target.clamp(zero, lastClass));
                    bad = bad.logical_or(picked.le(zero).any());
                }
            }
            if (!bad.item<bool>()) return;

            // Slow path: say exactly what is wrong.
            using var hostTarget = target.cpu();
            using var hostCounts = counts?.cpu();
            HostValues(hostTarget, numClasses, hostCounts, targetName, countsName);
        }

        /// <summary>
        /// Checks targets against fixed (already validated) global counts: range on every call, and a positive count
        /// for every target. CPU targets are read in place; device targets cost one synchronisation.
        /// </summary>
        internal static void TargetsAgainstGlobalCounts(Tensor target, long[] hostCounts, Tensor logCounts, string targetName, string countsName)
        {
            long numClasses = hostCounts.Length;
            if (target.device_type == DeviceType.CPU)
            {
                using var contiguousTarget = target.is_contiguous() ? null : target.contiguous();
                var t = HostTargets(contiguousTarget ?? target);
                for (int i = 0; i < t.Length; i++)
                {
                    long v = t[i];
                    if (v < 0 || v >= numClasses)
                        throw new ArgumentException($"Targets must lie in [0, {numClasses}); target {i} is {v}.", targetName);
                    if (hostCounts[v] <= 0)
                        throw new ArgumentException($"Target {i} is class {v}, whose global count is 0; a sample's own class must have a positive count. Check that the counts come from the training labels.", countsName);
                }
                return;
            }
            bool bad;
            using (var scope = NewDisposeScope())
            {
                // Scalars made per call and disposed at its end (TorchSharp frees Scalars in the finalizer only).
                using var classLimit = numClasses.ToScalar();
                using var lastClass = (numClasses - 1).ToScalar();
                var outOfRange = target.lt(Functional.Constants.Zero).logical_or(target.ge(classLimit)).any();
                var zero = target.size(0) > 0
                    ? logCounts.index_select(0, target.clamp(Functional.Constants.Zero, lastClass)).isneginf().any()
                    : torch.zeros(1, ScalarType.Bool, target.device).any();
                bad = outOfRange.logical_or(zero).item<bool>();
            }
            if (bad)
            {
                using var hostTarget = target.cpu();
                using var hostLog = logCounts.cpu();
                TargetsAgainstGlobalCounts(hostTarget, hostCounts, hostLog, targetName, countsName);
            }
        }

        /// <summary>
        /// For CPU targets: checks that every target lies in [0, C) and returns the log of the per-class counts
        /// (-inf for absent classes) as a [C] tensor of <paramref name="dtype"/>, without launching kernels.
        /// With <paramref name="into"/> (a CPU [C] tensor of <paramref name="dtype"/>) the values are written there and
        /// it is returned.
        /// </summary>
        internal static Tensor HostBatchLogCounts(Tensor target, long numClasses, ScalarType dtype, string targetName, Tensor? into = null)
        {
            if (into is not null && (into.dtype != dtype || into.size(0) != numClasses))
                throw new InvalidOperationException("The scratch tensor does not match the logits' dtype and class count.");
            int c = checked((int)numClasses);
            int[] counts = System.Buffers.ArrayPool<int>.Shared.Rent(c);
            try
            {
                Array.Clear(counts, 0, c);
                using (var contiguousTarget = target.is_contiguous() ? null : target.contiguous())
                {
                    var t = HostTargets(contiguousTarget ?? target);
                    for (int i = 0; i < t.Length; i++)
                    {
                        long v = t[i];
                        if ((ulong)v >= (ulong)numClasses)
                            throw new ArgumentException($"Targets must lie in [0, {numClasses}); target {i} is {v}.", targetName);
                        counts[v]++;
                    }
                }
                var hostType = dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
                var result = into ?? torch.empty(numClasses, hostType);
                if (hostType == ScalarType.Float64)
                {
                    var log = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(result.bytes);
                    for (int j = 0; j < c; j++) log[j] = LogOfCount(counts[j]);
                }
                else
                {
                    var log = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.bytes);
                    for (int j = 0; j < c; j++) log[j] = (float)LogOfCount(counts[j]);
                }
                if (hostType == dtype) return result;
                using (result) return result.to_type(dtype);
            }
            finally
            {
                System.Buffers.ArrayPool<int>.Shared.Return(counts);
            }
        }

        private static readonly double[] s_logOfSmallCounts = BuildLogTable(4096);

        private static double[] BuildLogTable(int length)
        {
            var table = new double[length];
            for (int k = 0; k < length; k++) table[k] = Math.Log(k);
            return table;
        }

        /// <summary>log k (-inf for 0) from a table for the counts a batch has.</summary>
        private static double LogOfCount(int k) => k < s_logOfSmallCounts.Length ? s_logOfSmallCounts[k] : Math.Log(k);

        internal static void Parameter(double value, bool ok, string name, string requirement)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, requirement);
        }

        /// <summary>Values of a count tensor (one device synchronisation): finite, non-negative, at least one positive.</summary>
        internal static void CountTensorValues(Tensor counts, string name)
        {
            double[] host;
            using (var c64 = counts.to_type(ScalarType.Float64).cpu().contiguous()) host = c64.data<double>().ToArray();
            HostCounts(host, name);
        }

        /// <summary>
        /// A per-class weight tensor: a floating-point vector [C] on the logits' device; with <paramref name="values"/>,
        /// also finite and non-negative (one device synchronisation).
        /// </summary>
        internal static void WeightTensor(Tensor weight, Tensor input, string name, bool values)
        {
            if (weight.IsInvalid) throw new ArgumentException("The class-weight tensor has been disposed.", name);
            if (weight.dim() != 1 || weight.size(0) != input.size(1))
                throw new ArgumentException($"Class weights must be a vector with one entry per class ({input.size(1)}); got shape [{string.Join(", ", weight.shape)}].", name);
            if (!weight.is_floating_point())
                throw new ArgumentException($"Class weights must be floating point; got {weight.dtype}. Convert with weight.to_type(ScalarType.Float32).", name);
            if (!SameDevice(weight, input))
                throw new ArgumentException($"Class weights are on {weight.device} but logits are on {input.device}; move them once with weight.to(device).", name);
            if (!values) return;
            double[] host;
            using (var w64 = weight.to_type(ScalarType.Float64).cpu().contiguous()) host = w64.data<double>().ToArray();
            HostWeights(host, host.Length, name);
        }

        /// <summary>Host-side class weights: <paramref name="numClasses"/> entries (when given), each finite and non-negative.</summary>
        internal static double[] HostWeights(IReadOnlyList<double> weights, int? numClasses, string name)
        {
            if (weights is null) throw new ArgumentNullException(name);
            if (weights.Count == 0) throw new ArgumentException("Class weights must contain one entry per class; got an empty list.", name);
            if (numClasses is int c && weights.Count != c)
                throw new ArgumentException($"There must be one class weight per class ({c}); got {weights.Count}.", name);
            var result = new double[weights.Count];
            for (int i = 0; i < result.Length; i++)
            {
                double w = weights[i];
                if (double.IsNaN(w) || double.IsInfinity(w) || w < 0)
                    throw new ArgumentException($"Class weight {i} is {w}; weights must be finite and non-negative.", name);
                result[i] = w;
            }
            return result;
        }

        /// <summary>The int64 values of a contiguous CPU tensor, read in place (no copy, no kernel).</summary>
        private static ReadOnlySpan<long> HostTargets(Tensor contiguousCpuTarget) =>
            contiguousCpuTarget.NumberOfElements == 0
                ? ReadOnlySpan<long>.Empty
                : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(contiguousCpuTarget.bytes);

        /// <summary>The same checks on CPU tensors, read in place without launching kernels.</summary>
        private static void HostValues(Tensor target, long numClasses, Tensor? counts, string targetName, string countsName)
        {
            using var contiguousTarget = target.is_contiguous() ? null : target.contiguous();
            var t = HostTargets(contiguousTarget ?? target);
            int n = t.Length;
            for (int i = 0; i < n; i++)
            {
                long v = t[i];
                if (v < 0 || v >= numClasses)
                    throw new ArgumentException($"Targets must lie in [0, {numClasses}); target {i} is {v}.", targetName);
            }
            if (counts is null) return;
            double[] host;
            using (var c64 = counts.to_type(ScalarType.Float64).contiguous()) host = c64.data<double>().ToArray();
            for (int i = 0; i < host.Length; i++)
            {
                if (double.IsNaN(host[i]) || double.IsInfinity(host[i]))
                    throw new ArgumentException($"Class count {i} is {host[i]}; counts must be finite.", countsName);
                if (host[i] < 0)
                    throw new ArgumentException($"Class count {i} is {host[i]}; counts must be non-negative.", countsName);
            }
            for (int i = 0; i < n; i++)
            {
                if (host[t[i]] <= 0)
                    throw new ArgumentException($"Target {i} is class {t[i]}, whose count is 0; a sample's own class must have a positive count (the loss would be infinite). Check that the counts come from the training labels.", countsName);
            }
        }
    }
}
