using System;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Losses
{
    /// <summary>
    /// One reusable CPU vector owned by a loss module, for values that are consumed before the call returns (the
    /// batch log counts of the composed path). Taking it is lock-free: a concurrent caller finds the slot empty and
    /// gets a fresh tensor, so sharing a module between threads stays correct.
    /// </summary>
    internal sealed class ScratchTensor : IDisposable
    {
        private Tensor? _tensor;

        /// <summary>The held vector if it has <paramref name="length"/> elements of <paramref name="dtype"/>, else a new one.</summary>
        public Tensor Take(long length, ScalarType dtype)
        {
            var held = Interlocked.Exchange(ref _tensor, null);
            if (held is not null && held.dtype == dtype && held.size(0) == length) return held;
            held?.Dispose();
            // Owned by the module, not by whatever dispose scope the caller has open.
            return torch.empty(length, dtype).DetachFromDisposeScope();
        }

        /// <summary>Gives a tensor from <see cref="Take"/> back; disposes it if the slot was refilled meanwhile.</summary>
        public void Return(Tensor tensor)
        {
            if (Interlocked.CompareExchange(ref _tensor, tensor, null) is not null) tensor.Dispose();
        }

        /// <summary>Disposes the held vector.</summary>
        public void Dispose() => Interlocked.Exchange(ref _tensor, null)?.Dispose();
    }
}
