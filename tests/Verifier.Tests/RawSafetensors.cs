using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace ClipTools.Verifier.Tests;

/// <summary>A safetensors file as its JSON header and its data, for tests that rewrite a fixture's header.</summary>
internal static class RawSafetensors
{
    public static (JsonObject Header, byte[] Data) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!.AsObject();
        return (header, bytes[(8 + headerLength)..]);
    }

    /// <summary>Writes <paramref name="header"/> and the data, the parts one after the other.</summary>
    public static void Write(string path, JsonObject header, params ReadOnlyMemory<byte>[] data)
    {
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var output = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)text.Length);
        output.Write(length);
        output.Write(text);
        foreach (var part in data)
        {
            output.Write(part.Span);
        }
    }

    /// <summary>Where a tensor's bytes lie in the data.</summary>
    public static (int Begin, int End) Offsets(JsonNode tensor)
    {
        var offsets = tensor["data_offsets"]!.AsArray();
        return ((int)offsets[0]!.GetValue<long>(), (int)offsets[1]!.GetValue<long>());
    }
}
