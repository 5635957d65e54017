using System;
using System.Runtime.InteropServices;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Tells the loader when a CUDA device has finished reading a reused host buffer. A copy with
    /// <c>non_blocking: true</c> from pinned memory returns before the device has read the memory, and TorchSharp 0.107
    /// exposes no CUDA events, so after the copies of a batch the consumer enqueues, on the same stream, a write of a
    /// ticket number into a device scalar and an asynchronous copy of that scalar into pinned host memory. The stream
    /// runs in order, so once the host flag shows the ticket, the batch's copies are complete; the producer waits for
    /// that (reading host memory: no device synchronisation) before it writes into the buffer again.
    /// </summary>
    internal sealed class CopyFence : IDisposable
    {
        private readonly Tensor _deviceTicket;
        private readonly Tensor _hostFlag;
        private long _issued;

        /// <summary>Creates a fence for copies to <paramref name="device"/> (a CUDA device).</summary>
        public CopyFence(Device device)
        {
            Device = device;
            using var host = zeros(1, ScalarType.Int64);
            _hostFlag = host.pin_memory().DetachFromDisposeScope();
            _deviceTicket = zeros(1, ScalarType.Int64, device).DetachFromDisposeScope();
        }

        /// <summary>The device whose copies the fence tracks.</summary>
        public Device Device { get; }

        /// <summary>Marks the end of the copies enqueued so far (call on the thread that enqueued them).</summary>
        public void Signal()
        {
            long ticket = Interlocked.Increment(ref _issued);
            // Disposed here (TorchSharp frees Scalars in the finalizer only): the kernel takes the value at launch.
            using var value = ticket.ToScalar();
            _deviceTicket.fill_(value);
            _hostFlag.copy_(_deviceTicket, nonBlocking: true);
        }

        /// <summary>Waits until the device has passed the last <see cref="Signal"/>.</summary>
        public void Wait(CancellationToken token)
        {
            long issued = Interlocked.Read(ref _issued);
            var spin = new SpinWait();
            while (Completed() < issued)
            {
                token.ThrowIfCancellationRequested();
                spin.SpinOnce(sleep1Threshold: 20);
            }
        }

        private long Completed()
        {
            var flag = MemoryMarshal.Cast<byte, long>(_hostFlag.bytes);
            return Volatile.Read(ref flag[0]);
        }

        /// <summary>Releases the two tensors.</summary>
        public void Dispose()
        {
            _deviceTicket.Dispose();
            _hostFlag.Dispose();
        }
    }
}
