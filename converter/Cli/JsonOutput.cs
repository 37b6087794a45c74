using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ClipTools.Converter.Cli;

/// <summary>
/// The JSON documents clip-convert prints (<c>--json</c>), written member by member with a <see cref="Utf8JsonWriter"/>
/// rather than serialized by reflection: the trimmed NativeAOT binary that <c>make install</c> builds has no
/// reflection metadata for anonymous types. The writer's defaults (two-space indent, the default encoder) are those
/// <c>JsonSerializer</c> used with <c>WriteIndented</c>, so the text is unchanged.
/// </summary>
public static class JsonOutput
{
    /// <summary>The indented document <paramref name="write"/> writes, as text.</summary>
    public static string Indented(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An array of strings as the property <paramref name="name"/>.</summary>
    public static void WriteStrings(this Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }

    /// <summary>The reader's ignored entries as <c>ignored: [{name, reason}]</c>.</summary>
    public static void WriteIgnored(this Utf8JsonWriter writer, IEnumerable<Checkpoints.Formats.IgnoredItem> ignored)
    {
        writer.WriteStartArray("ignored");
        foreach (var item in ignored)
        {
            writer.WriteStartObject();
            writer.WriteString("name", item.Name);
            writer.WriteString("reason", item.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
