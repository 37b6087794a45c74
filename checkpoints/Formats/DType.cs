namespace ClipTools.Checkpoints.Formats;

/// <summary>Element types a checkpoint tensor can hold. Names follow PyTorch (<c>float16</c>, <c>int64</c>...).</summary>
public enum DType
{
    Bool,
    UInt8,
    Int8,
    Int16,
    UInt16,
    Int32,
    Int64,
    Float16,
    BFloat16,
    Float32,
    Float64,
}

public static class DTypeInfo
{
    public static int Size(this DType dtype) => dtype switch
    {
        DType.Bool or DType.UInt8 or DType.Int8 => 1,
        DType.Int16 or DType.UInt16 or DType.Float16 or DType.BFloat16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The PyTorch name (<c>torch.float16</c> without the prefix); numpy uses the same words.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        DType.Int16 => "int16",
        DType.UInt16 => "uint16",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The dtype of a PyTorch storage class (<c>torch.HalfStorage</c> is named <c>HalfStorage</c>).</summary>
    public static DType? FromTorchStorage(string storageClass) => storageClass switch
    {
        "BoolStorage" => DType.Bool,
        "ByteStorage" => DType.UInt8,
        "CharStorage" => DType.Int8,
        "ShortStorage" => DType.Int16,
        "IntStorage" => DType.Int32,
        "LongStorage" => DType.Int64,
        "HalfStorage" => DType.Float16,
        "BFloat16Storage" => DType.BFloat16,
        "FloatStorage" => DType.Float32,
        "DoubleStorage" => DType.Float64,
        _ => null,
    };

    /// <summary>The dtype of a numpy type code without its byte order (<c>f4</c>, <c>i8</c>, <c>b1</c>...).</summary>
    public static DType? FromNumpyCode(string code) => code switch
    {
        "b1" or "?" => DType.Bool,
        "u1" or "B" => DType.UInt8,
        "i1" or "b" => DType.Int8,
        "i2" or "h" => DType.Int16,
        "u2" or "H" => DType.UInt16,
        "i4" or "i" => DType.Int32,
        "i8" or "q" or "l" => DType.Int64,
        "f2" or "e" => DType.Float16,
        "f4" or "f" => DType.Float32,
        "f8" or "d" => DType.Float64,
        _ => null,
    };

    public static DType? FromSafetensors(string name) => name switch
    {
        "BOOL" => DType.Bool,
        "U8" => DType.UInt8,
        "I8" => DType.Int8,
        "I16" => DType.Int16,
        "U16" => DType.UInt16,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        _ => null,
    };
}
