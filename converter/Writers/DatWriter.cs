using System.Text;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Writes TorchSharp's <c>.dat</c> weights, byte for byte what <c>Module.save</c> writes (TorchSharp
/// <c>save_state_dict</c> and the tensor <c>Save</c> extension): the entry count as ULEB128; then per entry the
/// name as <see cref="BinaryWriter.Write(string)"/> writes it (7-bit-encoded UTF-8 byte length, then UTF-8), the
/// element type, the rank and each dimension as ULEB128, and the raw little-endian bytes.
/// </summary>
/// <remarks>
/// TorchSharp's strict <c>Module.load</c> demands that the entry count equals the model's state-dict count, that
/// every name is one of the model's, and that each dtype equals the model tensor's own (it does not convert): a
/// float32 model needs float32 entries. Choosing the entries is the caller's job; this writer writes what it is
/// given.
/// </remarks>
public sealed class DatWriter : ITensorFileWriter
{
    public OutputFormat Format => OutputFormat.Dat;

    /// <summary>TorchSharp's <c>ScalarType</c> code for each dtype it has (it has no uint16).</summary>
    public static int? ElementTypeCode(DType dtype) => dtype switch
    {
        DType.UInt8 => 0,
        DType.Int8 => 1,
        DType.Int16 => 2,
        DType.Int32 => 3,
        DType.Int64 => 4,
        DType.Float16 => 5,
        DType.Float32 => 6,
        DType.Float64 => 7,
        DType.Bool => 11,
        DType.BFloat16 => 15,
        _ => null,
    };

    public IReadOnlyList<WrittenTensor> Write(Stream output, IReadOnlyList<TensorEntry> tensors)
    {
        TensorStreamer.CheckUniqueNames(tensors);
        foreach (var t in tensors)
        {
            if (ElementTypeCode(t.DType) is null)
            {
                throw new OutputException($"'{t.Name}': TorchSharp has no element type for {t.DType.Name()}");
            }
        }
        var streamer = new TensorStreamer();
        using var writer = new BinaryWriter(output, new UTF8Encoding(false, true), leaveOpen: true);
        writer.Write7BitEncodedInt64(tensors.Count);
        foreach (var t in tensors)
        {
            writer.Write(t.Name);
            writer.Write7BitEncodedInt64(ElementTypeCode(t.DType)!.Value);
            writer.Write7BitEncodedInt64(t.Shape.Count);
            foreach (var d in t.Shape)
            {
                writer.Write7BitEncodedInt64(d);
            }
            writer.Flush();
            streamer.Write(t, t.DType, output);
        }
        writer.Flush();
        return streamer.Written;
    }
}
