using System.Collections;

namespace ClipTools.Checkpoints.Formats;

// The .NET objects the allow-listed pickle globals build. They hold what the pickle said, nothing more; readers
// turn them into tensor entries. The __setstate__ methods are what Razorvine calls for the BUILD opcode.
#pragma warning disable IDE1006 // __setstate__ is the name Razorvine looks up

/// <summary>A <c>torch.FloatStorage</c>-style class named in a persistent id: only its dtype matters.</summary>
public sealed record TorchStorageType(string Name, DType DType);

/// <summary>A storage a tensor points into: its archive key, dtype and element count as the pickle declares them.</summary>
public sealed record TorchStorageRef(string Key, DType DType, long ElementCount, string Location)
{
    /// <summary>Legacy files can declare a storage as a view of another (key, element offset).</summary>
    public (string Key, long Offset)? ViewOf { get; init; }
}

/// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a view of a storage.</summary>
public sealed record TorchTensorRef(TorchStorageRef Storage, long StorageOffset, long[] Shape, long[] Strides);

/// <summary><c>collections.OrderedDict</c>: a dict (Razorvine's SETITEMS needs a Hashtable) plus its attributes.</summary>
public sealed class PickledOrderedDict : Hashtable
{
    /// <summary>Instance attributes set by BUILD; state dicts carry <c>_metadata</c> here.</summary>
    public Hashtable Attributes { get; } = [];

    public void __setstate__(Hashtable state)
    {
        foreach (DictionaryEntry e in state)
        {
            Attributes[e.Key] = e.Value;
        }
    }
}

/// <summary><c>numpy.dtype(code, align, copy)</c> with its byte order from BUILD.</summary>
public sealed class NumpyDType(string code)
{
    public string Code { get; } = code;

    public char ByteOrder { get; private set; } = '=';

    public void __setstate__(object[] state)
    {
        // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        if (state.Length > 1 && state[1] is string order && order.Length == 1)
        {
            ByteOrder = order[0];
        }
        if (state.Length > 3 && state[3] is not null)
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"numpy structured dtype '{Code}' is not a tensor dtype");
        }
    }
}

/// <summary>An array from <c>numpy.core.multiarray._reconstruct</c>, filled in by BUILD.</summary>
public sealed class NumpyArray
{
    public NumpyDType? DType { get; private set; }

    public long[] Shape { get; private set; } = [];

    public bool FortranOrder { get; private set; }

    public byte[] Data { get; private set; } = [];

    public void __setstate__(object[] state)
    {
        // (version, shape, dtype, is_fortran, rawdata); version 1 has the leading int, version 0 does not.
        var s = state.Length == 5 ? state[1..] : state;
        if (s.Length != 4 || s[0] is not object[] shape || s[1] is not NumpyDType dtype || s[2] is not bool fortran)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, "numpy array state is not (shape, dtype, is_fortran, data)");
        }
        Shape = PickleValues.ToLongs(shape);
        DType = dtype;
        FortranOrder = fortran;
        Data = s[3] switch
        {
            byte[] b => b,
            string latin1 => PickleValues.Latin1Bytes(latin1),
            _ => throw new CheckpointFormatException(FormatErrorKind.BadStructure, "numpy array data is an object list, not raw bytes"),
        };
    }
}

/// <summary>A numpy scalar (<c>numpy.core.multiarray.scalar</c>): not a tensor, only reported as ignored.</summary>
public sealed record NumpyScalar(NumpyDType DType, byte[] Data);

/// <summary>Conversions of the values Razorvine produces (Python ints arrive as int, long or BigInteger).</summary>
public static class PickleValues
{
    public static long ToLong(object? value) => value switch
    {
        int i => i,
        long l => l,
        System.Numerics.BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        bool b => b ? 1 : 0,
        System.Numerics.BigInteger b => throw new CheckpointFormatException(FormatErrorKind.Overflow, $"integer {b} does not fit 64 bits"),
        _ => throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"expected an integer, found {Describe(value)}"),
    };

    public static long[] ToLongs(object? value)
    {
        ReadBudget.Current?.ChargeBytes(8L * value switch { object[] t => t.Length, ArrayList l => l.Count, _ => 0 }, "integer tuple");
        return ToLongsUncharged(value);
    }

    private static long[] ToLongsUncharged(object? value) => value switch
    {
        object[] tuple => tuple.Select(ToLong).ToArray(),
        ArrayList list => list.Cast<object?>().Select(ToLong).ToArray(),
        _ => throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"expected a tuple of integers, found {Describe(value)}"),
    };

    public static byte[] Latin1Bytes(string s)
    {
        // Each call allocates: _codecs.encode on one memoised string, repeated, would otherwise be unbounded.
        ReadBudget.Current?.ChargeBytes(s.Length, "latin-1 byte string");
        var bytes = new byte[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            bytes[i] = s[i] <= 0xff ? (byte)s[i] : throw new CheckpointFormatException(FormatErrorKind.BadPickle, "latin-1 byte string holds a character above 0xff");
        }
        return bytes;
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        string => "str",
        bool => "bool",
        int or long or System.Numerics.BigInteger => "int",
        double => "float",
        byte[] => "bytes",
        object[] => "tuple",
        ArrayList => "list",
        Hashtable => "dict",
        Razorvine.Pickle.Objects.ClassDict c => c.ClassName,
        NumpyScalar => "numpy scalar",
        _ => value.GetType().Name,
    };
}
