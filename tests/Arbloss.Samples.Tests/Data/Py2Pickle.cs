using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Arbloss.Samples.Tests.Data
{
    /// <summary>
    /// Writes pickles byte for byte as Python 2's cPickle writes them with protocol 2 (the CIFAR python batches were
    /// written so): PROTO 2; str as SHORT_BINSTRING 'U' (under 256 bytes) or BINSTRING 'T'; ints as BININT1 'K',
    /// BININT2 'M' or BININT 'J'; lists as EMPTY_LIST then MARK ... APPENDS in batches of 1000 (APPEND for a batch of
    /// one); dicts as EMPTY_DICT then MARK ... SETITEMS (SETITEM for one item); small tuples as TUPLE1/2/3, longer ones
    /// MARK ... TUPLE; numpy arrays through <c>numpy.core.multiarray._reconstruct</c> with BUILD states. Like cPickle,
    /// it memoizes (BINPUT, LONG_BINPUT from 256 on; ids from 1) the objects a Python 2 process would hold more than
    /// one reference to: globals, containers, dict keys and values, list items longer than one byte; not fresh tuples,
    /// the dtype's type code or the array's raw bytes.
    /// </summary>
    public sealed class Py2Pickle
    {
        private readonly MemoryStream _out = new();
        private int _memo;

        /// <summary>A uint8 numpy array to pickle: shape and elements in storage order.</summary>
        public sealed record NumpyUInt8(long[] Shape, byte[] Storage, bool Fortran = false);

        /// <summary>A Python-2 str (bytes) value.</summary>
        public sealed record Str(byte[] Bytes)
        {
            public static implicit operator Str(string ascii) => new(Encoding.ASCII.GetBytes(ascii));
        }

        /// <summary>Pickles a value: Str/string, int, long, bool, null, IList (list), object[] (tuple),
        /// a list of key-value pairs (dict, in that order), NumpyUInt8.</summary>
        public static byte[] Dumps(object? value)
        {
            var p = new Py2Pickle();
            p.Op(0x80).Op(2);
            p.Save(value);
            p.Op((byte)'.');
            return p._out.ToArray();
        }

        private Py2Pickle Op(byte b)
        {
            _out.WriteByte(b);
            return this;
        }

        private void Raw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

        private void Put()
        {
            int id = ++_memo;
            if (id < 256)
            {
                Op((byte)'q').Op((byte)id);
            }
            else
            {
                Op((byte)'r');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, id);
                Raw(b);
            }
        }

        private void Save(object? value, bool memoize = true)
        {
            switch (value)
            {
                case null:
                    Op((byte)'N');
                    break;
                case bool b:
                    Op(b ? (byte)0x88 : (byte)0x89);
                    break;
                case int i:
                    Int(i);
                    break;
                case long l:
                    Int(checked((int)l));
                    break;
                case string s:
                    String(Encoding.ASCII.GetBytes(s), memoize);
                    break;
                case Str s:
                    String(s.Bytes, memoize);
                    break;
                case NumpyUInt8 a:
                    Array(a);
                    break;
                case object[] tuple:
                    Tuple(tuple);
                    break;
                case IReadOnlyList<KeyValuePair<string, object?>> dict:
                    Dict(dict);
                    break;
                case System.Collections.IList list:
                    List(list.Cast<object?>().ToList());
                    break;
                default:
                    throw new ArgumentException($"cannot pickle {value.GetType()}");
            }
        }

        private void Int(int value)
        {
            if (value >= 0 && value <= 0xff)
            {
                Op((byte)'K').Op((byte)value);
            }
            else if (value >= 0 && value <= 0xffff)
            {
                Op((byte)'M');
                Span<byte> b = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
                Raw(b);
            }
            else
            {
                Op((byte)'J');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, value);
                Raw(b);
            }
        }

        private void String(byte[] bytes, bool memoize)
        {
            if (bytes.Length < 256)
            {
                Op((byte)'U').Op((byte)bytes.Length);
            }
            else
            {
                Op((byte)'T');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
                Raw(b);
            }
            Raw(bytes);
            if (memoize && bytes.Length > 1) Put(); // cPickle memoizes no one-byte strings
        }

        private void Tuple(object?[] items)
        {
            // Fresh tuples (shapes, reduce arguments, states) have one reference: cPickle does not memoize them.
            if (items.Length == 0)
            {
                Op((byte)')');
                return;
            }
            if (items.Length <= 3)
            {
                foreach (var item in items) Save(item, memoize: false);
                Op((byte)(0x84 + items.Length)); // TUPLE1 0x85, TUPLE2 0x86, TUPLE3 0x87
                return;
            }
            Op((byte)'(');
            foreach (var item in items) Save(item, memoize: false);
            Op((byte)'t');
        }

        private void List(IReadOnlyList<object?> items)
        {
            Op((byte)']');
            Put();
            for (int start = 0; start < items.Count; start += 1000)
            {
                int n = Math.Min(1000, items.Count - start);
                if (n == 1)
                {
                    Save(items[start]);
                    Op((byte)'a');
                    continue;
                }
                Op((byte)'(');
                for (int i = start; i < start + n; i++) Save(items[i]);
                Op((byte)'e');
            }
        }

        private void Dict(IReadOnlyList<KeyValuePair<string, object?>> items)
        {
            Op((byte)'}');
            Put();
            for (int start = 0; start < items.Count; start += 1000)
            {
                int n = Math.Min(1000, items.Count - start);
                if (n > 1) Op((byte)'(');
                for (int i = start; i < start + n; i++)
                {
                    Save(items[i].Key);
                    Save(items[i].Value);
                }
                Op(n > 1 ? (byte)'u' : (byte)'s');
            }
        }

        private void Global(string module, string name)
        {
            Op((byte)'c');
            Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            Put();
        }

        private void Array(NumpyUInt8 a)
        {
            // ndarray.__reduce__: (_reconstruct, (ndarray, (0,), 'b'), (1, shape, dtype, is_fortran, rawdata))
            Global("numpy.core.multiarray", "_reconstruct");
            Global("numpy", "ndarray");
            Save(0, memoize: false);
            Op(0x85); // TUPLE1
            String(Encoding.ASCII.GetBytes("b"), memoize: false);
            Op(0x87); // TUPLE3
            Op((byte)'R');
            Put(); // the array is referenced by its container
            Op((byte)'(');
            Save(1);
            Tuple(a.Shape.Cast<object?>().ToArray());
            // dtype('u1', 0, 1) with its state (3, '|', None, None, None, -1, -1, 0); np.dtype(uint8) is a shared object.
            Global("numpy", "dtype");
            String(Encoding.ASCII.GetBytes("u1"), memoize: false);
            Save(0);
            Save(1);
            Op(0x87);
            Op((byte)'R');
            Put();
            Tuple(new object?[] { 3, new Str(Encoding.ASCII.GetBytes("|")), null, null, null, -1, -1, 0 });
            Op((byte)'b'); // BUILD
            Save(a.Fortran);
            String(a.Storage, memoize: false); // tostring() makes a fresh str: BINSTRING, not memoized
            Op((byte)'t');
            Op((byte)'b'); // BUILD
        }
    }
}
