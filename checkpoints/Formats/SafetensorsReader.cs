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
            throw new CheckpointFormatException($"header is not valid JSON text: {e.Message}", new FormatPlace(Offset: 8), kind: FormatErrorKind.BadHeader);
        }
    }

    private static TensorSet ReadChecked(CheckpointFile file)
    {
        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(0, prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || (long)headerLength > file.Length - 8)
        {
            throw new CheckpointFormatException($"header declares {headerLength} bytes, more than the file ({file.Length - 8}) or the {MaxHeaderBytes} limit", new FormatPlace(Offset: 0),
                kind: FormatErrorKind.Truncated);
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
            throw new CheckpointFormatException($"header is not valid JSON: {e.Message}", new FormatPlace(Offset: 8), kind: FormatErrorKind.BadHeader);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException("header is not a JSON object", new FormatPlace(Offset: 8), kind: FormatErrorKind.BadHeader);
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
                    throw new CheckpointFormatException("header has the same key twice", place, kind: FormatErrorKind.DuplicateName);
                }
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new CheckpointFormatException("__metadata__ is not an object", place);
                    }
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw new CheckpointFormatException("metadata value is not a string", place with { Key = "__metadata__." + m.Name });
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
                    throw new CheckpointFormatException(begin < at ? "tensor data overlaps the previous tensor" : "hole in the tensor data before this tensor",
                        new FormatPlace(Offset: dataStart + begin, Key: name), kind: FormatErrorKind.OutOfBounds);
                }
                at = end;
            }
            if (at != dataLength)
            {
                throw new CheckpointFormatException($"tensor data ends at {at} but the file has {dataLength} data bytes", new FormatPlace(Offset: dataStart + at),
                    kind: FormatErrorKind.SizeMismatch);
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
            throw new CheckpointFormatException("tensor entry needs dtype, shape and two data_offsets", place, kind: FormatErrorKind.BadHeader);
        }
        var dtype = DTypeInfo.FromSafetensors(dtypeJson.GetString()!)
            ?? throw new CheckpointFormatException($"unsupported dtype '{dtypeJson.GetString()}'", place, kind: FormatErrorKind.Unsupported);
        var shape = new List<long>();
        foreach (var d in shapeJson.EnumerateArray())
        {
            shape.Add(d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var n) && n >= 0 ? n : throw new CheckpointFormatException("shape holds something that is not a size", place, kind: FormatErrorKind.BadHeader));
        }
        var offsets = offsetsJson.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out var n) && n >= 0 ? n : -1).ToArray();
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw new CheckpointFormatException($"data_offsets [{begin}, {end}] fall outside the {dataLength} data bytes", place, kind: FormatErrorKind.OutOfBounds);
        }
        var bytes = TensorEntry.ByteCountOf(shape, dtype, place);
        if (bytes != end - begin)
        {
            throw new CheckpointFormatException($"shape and dtype need {bytes} bytes but data_offsets span {end - begin}", place, kind: FormatErrorKind.SizeMismatch);
        }
        return (new TensorEntry(property.Name, dtype, shape, new FileRangeBytes(file, dataStart + begin, place with { Offset = dataStart + begin })), begin, end);
    }
}
