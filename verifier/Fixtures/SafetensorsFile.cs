using System.Text.Json;

namespace ClipTools.Verifier.Fixtures;

/// <summary>One tensor of a safetensors file: name, dtype tag ("F32", "I64", ...), shape and where its bytes are.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Offset, long ByteLength);

/// <summary>
/// A minimal safetensors reader: 8-byte little-endian header size, a JSON header, then the data. Headers are
/// checked (size cap, offsets inside the file and matching dtype x shape) before any tensor is read.
/// </summary>
public sealed class SafetensorsFile
{
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["BOOL"] = 1,
        ["U8"] = 1,
        ["I8"] = 1,
        ["I16"] = 2,
        ["U16"] = 2,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I32"] = 4,
        ["U32"] = 4,
        ["F32"] = 4,
        ["I64"] = 8,
        ["U64"] = 8,
        ["F64"] = 8,
    };

    private SafetensorsFile(string path, IReadOnlyDictionary<string, SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string> metadata)
    {
        FilePath = path;
        Entries = entries;
        Metadata = metadata;
    }

    public string FilePath { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.Read(prefix) != 8)
        {
            throw new FixtureFormatException(path, "shorter than the 8-byte header size");
        }
        var headerSize = BitConverter.ToInt64(prefix);
        if (headerSize <= 0 || headerSize > MaxHeaderBytes || 8 + headerSize > stream.Length)
        {
            throw new FixtureFormatException(path, $"header size {headerSize} does not fit a file of {stream.Length} bytes");
        }
        var header = new byte[headerSize];
        stream.ReadExactly(header);
        var dataStart = 8 + headerSize;
        var dataLength = stream.Length - dataStart;

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new FixtureFormatException(path, $"header is not JSON ({e.Message.Split('.')[0]})");
        }
        using (json)
        {
            var entries = new Dictionary<string, SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        metadata[item.Name] = item.Value.GetString() ?? "";
                    }
                    continue;
                }
                entries[property.Name] = ReadEntry(path, property, dataStart, dataLength);
            }
            return new SafetensorsFile(path, entries, metadata);
        }
    }

    /// <summary>Reads a tensor's raw little-endian bytes.</summary>
    public byte[] ReadBytes(string name)
    {
        var entry = Entries.TryGetValue(name, out var e) ? e : throw new FixtureFormatException(FilePath, $"no tensor '{name}'");
        var data = new byte[entry.ByteLength];
        using var stream = File.OpenRead(FilePath);
        stream.Seek(entry.Offset, SeekOrigin.Begin);
        stream.ReadExactly(data);
        return data;
    }

    private static SafetensorsEntry ReadEntry(string path, JsonProperty property, long dataStart, long dataLength)
    {
        try
        {
            var dtype = property.Value.GetProperty("dtype").GetString() ?? "";
            if (!ElementSizes.TryGetValue(dtype, out var size))
            {
                throw new FixtureFormatException(path, $"'{property.Name}': unknown dtype '{dtype}'");
            }
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var expected = shape.Aggregate((long)size, (a, d) => checked(a * d));
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != expected)
            {
                throw new FixtureFormatException(path,
                    $"'{property.Name}': data_offsets [{string.Join(", ", offsets)}] do not hold {dtype} [{string.Join(", ", shape)}] inside {dataLength} data bytes");
            }
            return new SafetensorsEntry(property.Name, dtype, shape, dataStart + offsets[0], expected);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new FixtureFormatException(path, $"'{property.Name}': malformed header entry");
        }
    }
}
