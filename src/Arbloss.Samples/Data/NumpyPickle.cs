using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Text;
using Razorvine.Pickle;

namespace Arbloss.Samples.Data
{
    /// <summary>
    /// Unpickles Python pickles that hold numpy arrays (torchvision's CIFAR batches), with Razorvine.Pickle doing the
    /// opcodes. numpy pickles an array as <c>numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), 'b')</c>
    /// followed by BUILD with the state <c>(version, shape, dtype, is_fortran, raw bytes)</c>, and its dtype as
    /// <c>numpy.dtype('u1', 0, 1)</c> followed by BUILD with <c>(3, '|', None, None, None, -1, -1, 0)</c>. The two
    /// callables are registered with Razorvine (once, process-wide) so that REDUCE creates a <see cref="NumpyArray"/>
    /// or <see cref="NumpyDType"/>, and Razorvine's BUILD hands the state tuple to their <c>__setstate__</c> method,
    /// which only stores it; <see cref="UInt8Array"/> validates and decodes it afterwards. Nothing in a pickle can run
    /// code here: unregistered globals become inert <c>ClassDict</c>s.
    /// </summary>
    internal static class NumpyPickle
    {
        private static readonly object Gate = new();
        private static bool _registered;

        /// <summary>Unpickles <paramref name="pickle"/>, numpy arrays becoming <see cref="NumpyArray"/>.</summary>
        /// <param name="pickle">The whole pickle.</param>
        /// <returns>The unpickled object: Python dicts are <see cref="Hashtable"/>s, lists <see cref="ArrayList"/>s, tuples
        /// <c>object[]</c>, Python-2 strings <see cref="string"/>s with one char per byte (lossless).</returns>
        /// <exception cref="InvalidDataException">The bytes are not a readable pickle.</exception>
        public static object? Load(byte[] pickle)
        {
            EnsureRegistered();
            try
            {
                using var unpickler = new Unpickler();
                return unpickler.loads(pickle);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Razorvine signals truncation and bad structure with whatever the failing step throws (index, cast,
                // argument, its own PickleException); all of them mean the same thing here.
                throw new InvalidDataException($"not a readable pickle ({Describe(e)})", e);
            }
        }

        /// <summary>The text of a Python string: Python-2 <c>str</c> (a .NET string, one char per byte) or <c>bytes</c>
        /// (latin-1, as <c>encoding='latin1'</c> would read them).</summary>
        /// <param name="value">An unpickled value.</param>
        /// <returns>The text, or null when <paramref name="value"/> is no string.</returns>
        public static string? AsText(object? value) => value switch
        {
            string s => s,
            byte[] b => Encoding.Latin1.GetString(b),
            _ => null,
        };

        /// <summary>Decodes an unpickled numpy array of dtype uint8 into its elements in C (row-major) order, which is
        /// the order <c>numpy.reshape</c> reads them in; Fortran-ordered arrays are reordered.</summary>
        /// <param name="value">The unpickled value.</param>
        /// <param name="what">Names the value in messages, e.g. <c>"data_batch_1: 'data'"</c>.</param>
        /// <returns>The elements and the shape.</returns>
        /// <exception cref="InvalidDataException">The value is not a uint8 numpy array, or its state is inconsistent
        /// (shape and byte count disagree).</exception>
        public static (byte[] Elements, long[] Shape) UInt8Array(object? value, string what)
        {
            if (value is not NumpyArray array)
                throw new InvalidDataException($"{what} is not a numpy array (found {TypeName(value)}).");
            var state = array.State ?? throw new InvalidDataException($"{what}: the numpy array has no state (no BUILD).");
            // numpy's ndarray.__setstate__ takes (version, shape, dtype, is_fortran, data) or, from old numpy, the last four.
            int first = state.Length switch
            {
                5 => 1,
                4 => 0,
                _ => throw new InvalidDataException($"{what}: the numpy array state has {state.Length} items, expected 5 (version, shape, dtype, is_fortran, data)."),
            };
            var shape = Shape(state[first], what);
            var dtype = state[first + 1] as NumpyDType ?? throw new InvalidDataException($"{what}: the array's dtype is {TypeName(state[first + 1])}, not a numpy dtype.");
            var typeCode = dtype.TypeCode;
            if (typeCode is not ("u1" or "uint8"))
                throw new InvalidDataException($"{what} has dtype '{typeCode ?? "?"}', expected uint8 ('u1').");
            bool fortran = state[first + 2] switch
            {
                bool b => b,
                int i => i != 0,
                _ => throw new InvalidDataException($"{what}: is_fortran is {TypeName(state[first + 2])}, expected a bool."),
            };
            var raw = RawBytes(state[first + 3], what);
            long count = 1;
            foreach (var d in shape) count = checked(count * d);
            if (raw.Length != count)
                throw new InvalidDataException($"{what}: the shape ({string.Join(", ", shape)}) needs {count} bytes but the array holds {raw.Length}.");
            return (fortran && shape.Length > 1 ? FortranToC(raw, shape) : raw, shape);
        }

        private static long[] Shape(object? value, string what)
        {
            if (value is not object[] items)
                throw new InvalidDataException($"{what}: the array's shape is {TypeName(value)}, expected a tuple of ints.");
            var shape = new long[items.Length];
            long count = 1;
            for (int i = 0; i < items.Length; i++)
            {
                long? d = AsInteger(items[i]);
                if (d is not long n || n < 0)
                    throw new InvalidDataException($"{what}: the array's shape holds {Show(items[i])}, expected sizes >= 0.");
                shape[i] = n;
                count = n == 0 ? 0 : count > Array.MaxLength / n ? long.MaxValue : count * n;
            }
            if (count > Array.MaxLength)
                throw new InvalidDataException($"{what}: the array's shape ({string.Join(", ", shape)}) is too large.");
            return shape;
        }

        private static byte[] RawBytes(object? value, string what)
        {
            switch (value)
            {
                case byte[] bytes:
                    return bytes;
                case string text:
                    // A Python-2 str: Razorvine maps byte b to char b, so the mapping back is exact; anything above
                    // U+00FF would be a Python-3 str, which numpy never writes.
                    if (text.AsSpan().ContainsAnyExceptInRange('\u0000', '\u00FF'))
                        throw new InvalidDataException($"{what}: the array's data is a unicode string, not raw bytes.");
                    return Encoding.Latin1.GetBytes(text);
                default:
                    throw new InvalidDataException($"{what}: the array's data is {TypeName(value)}, not raw bytes.");
            }
        }

        /// <summary>Integral Python ints as long; anything else (bool included) as null.</summary>
        /// <param name="value">An unpickled value.</param>
        /// <returns>The value, or null.</returns>
        public static long? AsInteger(object? value) => value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            sbyte sb => sb,
            ushort us => us,
            uint ui => ui,
            BigInteger big when big >= long.MinValue && big <= long.MaxValue => (long)big,
            _ => null,
        };

        /// <summary>A short name of an unpickled value's Python type, for messages.</summary>
        /// <param name="value">An unpickled value.</param>
        /// <returns>E.g. "a dict", "a list", "None".</returns>
        public static string TypeName(object? value) => value switch
        {
            null => "None",
            Hashtable => "a dict",
            ArrayList => "a list",
            object[] => "a tuple",
            string or byte[] => "a string",
            bool => "a bool",
            int or long or BigInteger => "an int",
            double => "a float",
            NumpyArray => "a numpy array",
            NumpyDType => "a numpy dtype",
            Razorvine.Pickle.Objects.ClassDict c => $"a {c.ClassName} object",
            _ => $"a {value.GetType().Name}",
        };

        private static string Show(object? value) => AsInteger(value) is long n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : TypeName(value);

        private static byte[] FortranToC(byte[] raw, long[] shape)
        {
            // Fortran order: offset = i0 + d0 * (i1 + d1 * (i2 + ...)). Walk the C order with an odometer.
            int n = shape.Length;
            var stride = new long[n];
            stride[0] = 1;
            for (int j = 1; j < n; j++) stride[j] = stride[j - 1] * shape[j - 1];
            var output = new byte[raw.Length];
            var index = new long[n];
            long source = 0;
            for (long p = 0; p < output.LongLength; p++)
            {
                output[p] = raw[source];
                for (int j = n - 1; j >= 0; j--)
                {
                    index[j]++;
                    source += stride[j];
                    if (index[j] < shape[j]) break;
                    source -= stride[j] * shape[j];
                    index[j] = 0;
                }
            }
            return output;
        }

        private static string Describe(Exception e)
        {
            var inner = e;
            while (inner.InnerException is not null && inner is PickleException or System.Reflection.TargetInvocationException) inner = inner.InnerException;
            return inner switch
            {
                IndexOutOfRangeException or ArgumentOutOfRangeException or EndOfStreamException => "it ends early or a length is wrong",
                InvalidCastException => "an opcode met a value of the wrong type",
                _ => inner.Message.TrimEnd('\n', '.'),
            };
        }

        private static void EnsureRegistered()
        {
            lock (Gate)
            {
                if (_registered) return;
                var reconstruct = new ReconstructConstructor();
                // numpy < 2 writes numpy.core.multiarray; numpy 2 writes numpy._core.multiarray.
                Unpickler.registerConstructor("numpy.core.multiarray", "_reconstruct", reconstruct);
                Unpickler.registerConstructor("numpy._core.multiarray", "_reconstruct", reconstruct);
                Unpickler.registerConstructor("numpy", "dtype", new DTypeConstructor());
                _registered = true;
            }
        }

        /// <summary>What <c>_reconstruct(ndarray, (0,), 'b')</c> makes: an empty array whose BUILD state is kept.</summary>
        public sealed class NumpyArray
        {
            /// <summary>The BUILD state tuple, or null before BUILD.</summary>
            public object?[]? State { get; private set; }

            /// <summary>Called by Razorvine's BUILD opcode (by reflection, with the state tuple).</summary>
            /// <param name="state">The state tuple.</param>
            public void __setstate__(object[] state) => State = state;
        }

        /// <summary>What <c>numpy.dtype(typecode, align, copy)</c> makes: the type code and its BUILD state.</summary>
        public sealed class NumpyDType
        {
            /// <summary>Creates the dtype.</summary>
            /// <param name="args">The constructor arguments, e.g. <c>('u1', 0, 1)</c>.</param>
            public NumpyDType(object?[] args)
            {
                TypeCode = args.Length > 0 ? AsText(args[0]) : null;
            }

            /// <summary>The type code (<c>"u1"</c> for uint8), or null when absent.</summary>
            public string? TypeCode { get; }

            /// <summary>The BUILD state tuple (byte order and field layout), or null before BUILD.</summary>
            public object?[]? State { get; private set; }

            /// <summary>Called by Razorvine's BUILD opcode (by reflection, with the state tuple).</summary>
            /// <param name="state">The state tuple, e.g. <c>(3, '|', None, None, None, -1, -1, 0)</c>.</param>
            public void __setstate__(object[] state) => State = state;
        }

        private sealed class ReconstructConstructor : IObjectConstructor
        {
            // _reconstruct(subtype, shape, dtype-char) only makes the empty array that BUILD then fills.
            public object construct(object[] args) => new NumpyArray();
        }

        private sealed class DTypeConstructor : IObjectConstructor
        {
            public object construct(object[] args) => new NumpyDType(args);
        }
    }
}
