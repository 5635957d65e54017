using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses.Diagnostics
{
    /// <summary>Argument validation shared by the diagnostics: every failure is an <see cref="ArgumentException"/> naming the argument and the fix.</summary>
    internal static class DiagnosticChecks
    {
        /// <summary>A live, floating-point matrix [rows, columns].</summary>
        internal static void FloatMatrix(Tensor tensor, string name, string what)
        {
            if (tensor is null) throw new ArgumentNullException(name);
            if (tensor.IsInvalid) throw new ArgumentException($"The {what} tensor has been disposed.", name);
            if (tensor.dim() != 2)
                throw new ArgumentException($"The {what} must be a matrix; got rank {tensor.dim()} with shape {Shape(tensor)}. Flatten it first (e.g. x.view(x.size(0), -1)).", name);
            if (!tensor.is_floating_point())
                throw new ArgumentException($"The {what} must be floating point (float16, bfloat16, float32 or float64); got {tensor.dtype}. Convert with x.to_type(ScalarType.Float32).", name);
        }

        /// <summary>An int64 vector of class indices with one entry per row of <paramref name="rowsOf"/>, on its device.</summary>
        internal static void Targets(Tensor targets, Tensor rowsOf, string name, string rowsName)
        {
            if (targets is null) throw new ArgumentNullException(name);
            if (targets.IsInvalid) throw new ArgumentException("The targets tensor has been disposed.", name);
            if (targets.dim() != 1)
                throw new ArgumentException($"Targets must be a vector [batch] of class indices; got shape {Shape(targets)}. For one-hot or soft targets pass the class indices (argmax).", name);
            if (targets.dtype != ScalarType.Int64)
                throw new ArgumentException($"Targets must be int64 class indices; got {targets.dtype}. Convert with targets.to_type(ScalarType.Int64).", name);
            if (targets.size(0) != rowsOf.size(0))
                throw new ArgumentException($"Batch size mismatch: {rowsName} has {rowsOf.size(0)} rows but targets have {targets.size(0)} entries.", name);
            if (!LossChecks.SameDevice(targets, rowsOf))
                throw new ArgumentException($"Targets are on {targets.device} but {rowsName} is on {rowsOf.device}; move them with targets.to({rowsOf.device}).", name);
        }

        /// <summary>Two tensors must share a device.</summary>
        internal static void SameDevice(Tensor tensor, Tensor reference, string name, string what, string referenceWhat)
        {
            if (!LossChecks.SameDevice(tensor, reference))
                throw new ArgumentException($"The {what} are on {tensor.device} but the {referenceWhat} are on {reference.device}; move them with .to({reference.device}).", name);
        }

        /// <summary>Rows must be at least one.</summary>
        internal static void NonEmpty(Tensor tensor, string name, string what)
        {
            if (tensor.size(0) == 0)
                throw new ArgumentException($"The {what} are empty (batch size 0); there is nothing to measure. Skip empty batches.", name);
        }

        /// <summary>The number of classes must be at least <paramref name="minimum"/>.</summary>
        internal static void NumClasses(int numClasses, string name, int minimum = 1)
        {
            if (numClasses < minimum)
                throw new ArgumentOutOfRangeException(name, numClasses, $"The number of classes must be at least {minimum}.");
        }

        /// <summary>
        /// Range check of class indices. CPU targets are read in place (no kernel launch); targets on an accelerator cost
        /// one device synchronisation. Throws naming the first offending entry.
        /// </summary>
        internal static void TargetRange(Tensor targets, long numClasses, string name) =>
            LossChecks.Values(targets, numClasses, null, name, name);

        /// <summary>
        /// Range check for accumulators that must not synchronise per batch. CPU targets are checked now (throwing on
        /// the first bad entry); targets on an accelerator are only counted on the device: the returned scalar (int64,
        /// no synchronisation) is added to the accumulator's tally and checked when results are read.
        /// </summary>
        /// <returns>Null when the check was done now; else the device count of out-of-range targets.</returns>
        internal static Tensor? DeferredTargetRange(Tensor targets, long numClasses, string name, bool forceDeferred = false)
        {
            if (targets.device_type == DeviceType.CPU && !forceDeferred)
            {
                TargetRange(targets, numClasses, name);
                return null;
            }
            using var classLimit = numClasses.ToScalar();   // disposed here (TorchSharp frees Scalars in the finalizer only)
            return targets.lt(Functional.Constants.Zero).logical_or(targets.ge(classLimit)).sum();
        }

        /// <summary>The message for out-of-range targets detected when an accumulator's results are read.</summary>
        internal static string DeferredRangeMessage(long invalid, long numClasses, string method) =>
            $"{invalid} of the targets passed to {method} since the last Reset() were outside [0, {numClasses}); those samples were left out. " +
            "Fix the labels (they must be class indices for this number of classes) and call Reset().";

        /// <summary>The shape of a tensor as text, e.g. <c>[3, 4]</c>.</summary>
        internal static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";

        /// <summary>The floating-point type a diagnostic computes in: float64 when any input is float64, else float32.</summary>
        internal static ScalarType ComputeType(params Tensor[] inputs)
        {
            foreach (var t in inputs)
                if (t.dtype == ScalarType.Float64) return ScalarType.Float64;
            return ScalarType.Float32;
        }
    }
}
