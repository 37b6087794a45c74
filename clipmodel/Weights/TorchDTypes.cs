using ClipTools.Checkpoints.Formats;
using static TorchSharp.torch;

namespace ClipTools.Model.Weights;

/// <summary>The checkpoint readers' element types and TorchSharp's, both ways (TorchSharp has no uint16).</summary>
public static class TorchDTypes
{
    public static ScalarType ToScalarType(this DType dtype) => dtype switch
    {
        DType.Bool => ScalarType.Bool,
        DType.UInt8 => ScalarType.Byte,
        DType.Int8 => ScalarType.Int8,
        DType.Int16 => ScalarType.Int16,
        DType.Int32 => ScalarType.Int32,
        DType.Int64 => ScalarType.Int64,
        DType.Float16 => ScalarType.Float16,
        DType.BFloat16 => ScalarType.BFloat16,
        DType.Float32 => ScalarType.Float32,
        DType.Float64 => ScalarType.Float64,
        _ => throw new ArgumentException($"TorchSharp has no element type for {dtype.Name()}", nameof(dtype)),
    };

    public static DType ToDType(this ScalarType type) => type switch
    {
        ScalarType.Bool => DType.Bool,
        ScalarType.Byte => DType.UInt8,
        ScalarType.Int8 => DType.Int8,
        ScalarType.Int16 => DType.Int16,
        ScalarType.Int32 => DType.Int32,
        ScalarType.Int64 => DType.Int64,
        ScalarType.Float16 => DType.Float16,
        ScalarType.BFloat16 => DType.BFloat16,
        ScalarType.Float32 => DType.Float32,
        ScalarType.Float64 => DType.Float64,
        _ => throw new ArgumentException($"no checkpoint element type for TorchSharp's {type}", nameof(type)),
    };
}
