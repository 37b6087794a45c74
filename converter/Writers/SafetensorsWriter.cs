using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Writes safetensors: 8 bytes little-endian header length N, N bytes of JSON, then the tensor bytes back to back.
/// The JSON is what the reference implementation writes (serde_json, compact): <c>__metadata__</c> first when
/// there is any, then one <c>{"dtype","shape","data_offsets"}</c> object per tensor, padded with spaces so N is a
/// multiple of 8. Tensors and metadata keep the order given, so the same input always gives the same bytes (the
/// reference sorts by dtype then name instead; readers do not care).
/// </summary>
public sealed class SafetensorsWriter(IEnumerable<KeyValuePair<string, string>>? metadata = null) : ITensorFileWriter
{
    private const string MetadataKey = "__metadata__";

    private readonly IReadOnlyList<KeyValuePair<string, string>> metadata = metadata?.ToList() ?? [];

    public OutputFormat Format => OutputFormat.Safetensors;

    public static string? DTypeName(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.UInt8 => "U8",
        DType.Int8 => "I8",
        DType.Int16 => "I16",
        DType.UInt16 => "U16",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        _ => null,
    };

    public IReadOnlyList<WrittenTensor> Write(Stream output, IReadOnlyList<TensorEntry> tensors)
    {
        TensorStreamer.CheckUniqueNames(tensors);
        if (tensors.Any(t => t.Name == MetadataKey))
        {
            throw new OutputException($"a tensor cannot be named '{MetadataKey}' in safetensors");
        }
        var header = Header(tensors);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        output.Write(length);
        output.Write(header);
        var streamer = new TensorStreamer();
        foreach (var t in tensors)
        {
            streamer.Write(t, t.DType, output);
        }
        return streamer.Written;
    }

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes.</summary>
    public byte[] Header(IReadOnlyList<TensorEntry> tensors)
    {
        var json = new StringBuilder("{");
        if (metadata.Count > 0)
        {
            json.Append(Quoted(MetadataKey)).Append(":{");
            json.AppendJoin(',', metadata.Select(m => Quoted(m.Key) + ":" + Quoted(m.Value)));
            json.Append('}');
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            var dtype = DTypeName(t.DType) ?? throw new OutputException($"'{t.Name}': safetensors has no dtype for {t.DType.Name()}");
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(Quoted(t.Name)).Append(":{\"dtype\":\"").Append(dtype).Append("\",\"shape\":[");
            json.AppendJoin(',', t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset = checked(offset + t.ByteCount);
            json.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        json.Append('}');
        var bytes = new UTF8Encoding(false, true).GetBytes(json.ToString());
        var padded = new byte[(bytes.Length + 7) / 8 * 8];
        bytes.CopyTo(padded, 0);
        padded.AsSpan(bytes.Length).Fill((byte)' ');
        return padded;
    }

    /// <summary>A JSON string as serde_json writes it: only quote, backslash and control characters escaped.</summary>
    private static string Quoted(string s)
    {
        var q = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': q.Append("\\\""); break;
                case '\\': q.Append("\\\\"); break;
                case '\b': q.Append("\\b"); break;
                case '\f': q.Append("\\f"); break;
                case '\n': q.Append("\\n"); break;
                case '\r': q.Append("\\r"); break;
                case '\t': q.Append("\\t"); break;
                case < ' ': q.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: q.Append(c); break;
            }
        }
        return q.Append('"').ToString();
    }
}
