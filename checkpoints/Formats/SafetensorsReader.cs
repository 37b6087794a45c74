using System.Buffers.Binary;
using System.Text.Json;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads safetensors: 8 bytes little-endian header length N, N bytes of JSON (<c>name: {dtype, shape, data_offsets}</c>
/// and an optional <c>__metadata__</c> of strings), then the tensor bytes. The header is checked in a fixed order
/// before anything is allocated from it: its length against the file, then each entry, then the byte coverage.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>The reference implementation's cap on the header size.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static TensorSet Read(CheckpointFile file)
    {
        try
        {
            return ReadChecked(file);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json defers UTF-8 validation of names and strings until they are read.
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, $"header is not valid JSON text: {e.Message}", new FormatPlace(Offset: 8));
        }
    }

    private static TensorSet ReadChecked(CheckpointFile file)
    {
        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(0, prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(file.Length - 8))
        {
            throw new CheckpointFormatException(FormatErrorKind.Truncated, $"header declares {headerLength} bytes, more than the file has ({file.Length - 8})", new FormatPlace(Offset: 0));
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new CheckpointFormatException(FormatErrorKind.LimitExceeded, $"header declares {headerLength} bytes, over the {MaxHeaderBytes} limit", new FormatPlace(Offset: 0));
        }
        var dataStart = 8 + (long)headerLength;
        var dataLength = file.Length - dataStart;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(file.ReadBytes(8, (long)headerLength), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, $"header is not valid JSON: {e.Message}", new FormatPlace(Offset: 8));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(FormatErrorKind.BadHeader, "header is not a JSON object", new FormatPlace(Offset: 8));
            }
            var tensors = new List<TensorEntry>();
            var ignored = new List<IgnoredItem>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                var place = new FormatPlace(Offset: 8, Key: property.Name);
                // JSON allows a key twice and System.Text.Json keeps both; a tensor file must not.
                if (!names.Add(property.Name))
                {
                    throw new CheckpointFormatException(FormatErrorKind.DuplicateName, "header has the same key twice", place);
                }
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new CheckpointFormatException(FormatErrorKind.BadHeader, "__metadata__ is not an object", place);
                    }
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw new CheckpointFormatException(FormatErrorKind.BadHeader, "metadata value is not a string", place with { Key = "__metadata__." + m.Name });
                    }
                    ignored.Add(new IgnoredItem("__metadata__", $"{metadata.Count} metadata strings"));
                    continue;
                }
                var (entry, begin, end) = ReadEntry(file, property, dataStart, dataLength, place);
                tensors.Add(entry);
                ranges.Add((begin, end, property.Name));
            }
            // The data section must be covered exactly, without holes or overlaps (as the reference reader demands).
            long at = 0;
            foreach (var (begin, end, name) in ranges.OrderBy(r => r.Begin).ThenBy(r => r.End))
            {
                if (begin != at)
                {
                    throw new CheckpointFormatException(FormatErrorKind.OutOfBounds, begin < at ? "tensor data overlaps the previous tensor" : "hole in the tensor data before this tensor",
                        new FormatPlace(Offset: dataStart + begin, Key: name));
                }
                at = end;
            }
            if (at != dataLength)
            {
                throw new CheckpointFormatException(FormatErrorKind.SizeMismatch, $"tensor data ends at {at} but the file has {dataLength} data bytes", new FormatPlace(Offset: dataStart + at));
            }
            return new TensorSet(CheckpointFormat.Safetensors, $"safetensors, {headerLength}-byte header", tensors, ignored, metadata, null, file);
        }
    }

    private static (TensorEntry Entry, long Begin, long End) ReadEntry(CheckpointFile file, JsonProperty property, long dataStart, long dataLength, FormatPlace place)
    {
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array || offsetsJson.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, "tensor entry needs dtype, shape and two data_offsets", place);
        }
        var dtype = DTypeInfo.FromSafetensors(dtypeJson.GetString()!)
            ?? throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"unsupported dtype '{dtypeJson.GetString()}'", place);
        var shape = new List<long>();
        foreach (var d in shapeJson.EnumerateArray())
        {
            shape.Add(d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var n) && n >= 0 ? n : throw new CheckpointFormatException(FormatErrorKind.BadHeader, "shape holds something that is not a size", place));
        }
        var offsets = offsetsJson.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out var n) && n >= 0 ? n : -1).ToArray();
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw new CheckpointFormatException(FormatErrorKind.OutOfBounds, $"data_offsets [{begin}, {end}] fall outside the {dataLength} data bytes", place);
        }
        var bytes = TensorEntry.ByteCountOf(shape, dtype, place);
        if (bytes != end - begin)
        {
            throw new CheckpointFormatException(FormatErrorKind.SizeMismatch, $"shape and dtype need {bytes} bytes but data_offsets span {end - begin}", place);
        }
        return (new TensorEntry(property.Name, dtype, shape, new FileRangeBytes(file, dataStart + begin, place with { Offset = dataStart + begin })), begin, end);
    }
}
