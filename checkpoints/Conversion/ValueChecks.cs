using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// Wraps a mapped tensor so that producing its bytes also checks them and converts them to the output dtype:
/// NaN or Inf in a weight stops the conversion, and so does a finite value the output dtype cannot hold.
/// </summary>
public static class ValueChecks
{
    public static MappedTensor CheckedAs(MappedTensor t, DType output) => t.With(output, new CheckedConversionBytes(t, output));

    /// <summary>The dtype a tensor is written in: integers as int64, floats as asked.</summary>
    public static DType OutputDTypeOf(MappedTensor t, OutputDType requested) =>
        !t.DType.IsFloat() ? DType.Int64 : requested switch
        {
            OutputDType.Float32 => DType.Float32,
            OutputDType.Float16 => DType.Float16,
            _ => t.DType,
        };
}
