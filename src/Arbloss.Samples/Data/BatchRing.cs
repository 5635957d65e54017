using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// The reused host buffers of one <see cref="BatchLoader"/> pass: at most <see cref="Capacity"/> slots, each a
    /// [batch, ...] sample tensor (uint8 for pixel sources, float32 otherwise), an int64 label tensor, for dense sources
    /// an int64 target tensor [batch, ...target shape], and a host copy of the labels, created on demand and written in place. A slot is handed out with a batch and comes back when
    /// the batch is disposed; it is never written while its batch is out. Thread-safe.
    /// </summary>
    internal sealed class BatchRing : IDisposable
    {
        private readonly object _gate = new();
        private readonly Stack<Slot> _free = new();
        private readonly List<Slot> _all = new();
        private readonly long[] _sampleShape;
        private readonly long[] _targetShape;
        private readonly ScalarType _dtype;
        private readonly int _batchSize;
        private readonly bool _pin;
        private int _out;
        private int _handed;
        private bool _closed;

        public BatchRing(IReadOnlyList<long> sampleShape, bool pixels, int batchSize, int capacity, bool pin, IReadOnlyList<long>? targetShape = null)
        {
            _sampleShape = sampleShape.ToArray();
            _targetShape = targetShape?.ToArray() ?? Array.Empty<long>();
            TargetLength = checked((int)_targetShape.Aggregate(1L, (a, b) => a * b));
            _dtype = pixels ? ScalarType.Byte : ScalarType.Float32;
            _batchSize = batchSize;
            Capacity = capacity;
            _pin = pin && cuda.is_available();
            SampleLength = checked((int)_sampleShape.Aggregate(1L, (a, b) => a * b));
            long bytes = (long)batchSize * SampleLength * (pixels ? 1 : 4);
            if (bytes > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"A batch of {batchSize} samples of {SampleLength} values needs {bytes} bytes; at most {int.MaxValue} bytes per batch are supported.");
        }

        /// <summary>Most slots the ring creates.</summary>
        public int Capacity { get; }

        /// <summary>Values per sample.</summary>
        public int SampleLength { get; }

        /// <summary>Whether the ring holds dense targets [batch, ...target shape] besides the labels.</summary>
        public bool Dense => _targetShape.Length > 0;

        /// <summary>Target values per sample (1 for a label).</summary>
        public int TargetLength { get; }

        /// <summary>Slots out of the ring: batches queued, being built or held by the consumer.</summary>
        public int Outstanding
        {
            get { lock (_gate) return _out; }
        }

        /// <summary>Batches handed to the consumer and not yet disposed.</summary>
        public int Held
        {
            get { lock (_gate) return _handed; }
        }

        /// <summary>Records that a batch is handed to the consumer.</summary>
        public void Hand()
        {
            lock (_gate) _handed++;
        }

        /// <summary>Takes a free slot, creating one while fewer than <see cref="Capacity"/> exist, else waits for one.</summary>
        /// <exception cref="InvalidOperationException">Every slot is held by undisposed batches and
        /// <paramref name="wait"/> is false (nothing could ever free one).</exception>
        public Slot Take(bool wait, CancellationToken token)
        {
            lock (_gate)
            {
                while (true)
                {
                    ObjectDisposedException.ThrowIf(_closed, this);
                    if (_free.Count > 0) return Lease(_free.Pop());
                    if (_all.Count < Capacity)
                    {
                        var slot = new Slot(this, _all.Count);
                        _all.Add(slot);
                        return Lease(slot);
                    }
                    if (!wait) throw HeldTooMany();
                    token.ThrowIfCancellationRequested();
                    Monitor.Wait(_gate, 50);
                }
            }
        }

        /// <summary>The error for a consumer that holds every slot while asking for another batch.</summary>
        public InvalidOperationException HeldTooMany() =>
            new($"All {Capacity} batch buffers of the loader are held by batches that have not been disposed. Dispose each batch before taking the one after the next {Capacity - 1} (the loader reuses Prefetch + 2 buffers).");

        private Slot Lease(Slot slot)
        {
            _out++;
            return slot;
        }

        /// <summary>Gives a slot back (its batch was disposed); a slot of a closed ring is released.</summary>
        public void Return(Slot slot, bool handed)
        {
            lock (_gate)
            {
                _out--;
                if (handed) _handed--;
                if (_closed) slot.Release();
                else _free.Push(slot);
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Ends the pass: free slots are released now, slots still out when their batches are disposed.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_closed) return;
                _closed = true;
                while (_free.Count > 0) _free.Pop().Release();
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>One reusable set of buffers.</summary>
        internal sealed class Slot
        {
            private readonly BatchRing _ring;
            private CopyFence? _fence;

            public Slot(BatchRing ring, int id)
            {
                _ring = ring;
                Id = id;
                using var scope = NewDisposeScope();
                var shape = new[] { (long)ring._batchSize }.Concat(ring._sampleShape).ToArray();
                var samples = empty(shape, ring._dtype);
                var labels = empty(ring._batchSize, ScalarType.Int64);
                var targets = ring.Dense ? empty(new[] { (long)ring._batchSize }.Concat(ring._targetShape).ToArray(), ScalarType.Int64) : null;
                if (ring._pin)
                {
                    samples = samples.pin_memory();
                    labels = labels.pin_memory();
                    targets = targets?.pin_memory();
                }
                Samples = samples.DetachFromDisposeScope();
                LabelTensor = labels.DetachFromDisposeScope();
                TargetTensor = targets?.DetachFromDisposeScope();
                HostLabels = new long[ring._batchSize];
            }

            /// <summary>Position of the slot in the ring (0 .. Capacity - 1), for tests.</summary>
            public int Id { get; }

            /// <summary>[batch, ...] samples, uint8 or float32, contiguous.</summary>
            public Tensor Samples { get; }

            /// <summary>[batch] int64 labels.</summary>
            public Tensor LabelTensor { get; }

            /// <summary>[batch, ...target shape] int64 dense targets, or null when the targets are the labels.</summary>
            public Tensor? TargetTensor { get; }

            /// <summary>Target values per sample.</summary>
            public int TargetLength => _ring.TargetLength;

            /// <summary>The labels on the managed heap.</summary>
            public long[] HostLabels { get; }

            /// <summary>Values per sample.</summary>
            public int SampleLength => _ring.SampleLength;

            /// <summary>Marks the end of the device copies of the slot's batch (CUDA only).</summary>
            public void Signal(Device device)
            {
                if (device.type != DeviceType.CUDA) return;
                if (_fence is null || _fence.Device.index != device.index)
                {
                    _fence?.Dispose();
                    _fence = new CopyFence(device);
                }
                _fence.Signal();
            }

            /// <summary>Waits until the device copies of the slot's last batch have completed.</summary>
            public void WaitForCopies(CancellationToken token) => _fence?.Wait(token);

            public void Return(bool handed) => _ring.Return(this, handed);

            public void Release()
            {
                _fence?.Dispose();
                Samples.Dispose();
                LabelTensor.Dispose();
                TargetTensor?.Dispose();
            }
        }
    }
}
