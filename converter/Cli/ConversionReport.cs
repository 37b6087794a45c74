using System.Globalization;
using System.Text;
using System.Text.Json;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>What a finished conversion did, as the closing summary lines or as JSON for machines.</summary>
public sealed record ConversionReport(ConversionSummary Summary, OutputSummary Output)
{
    /// <param name="complete">list every filled-in and ignored entry instead of the first few</param>
    public string ToText(bool complete = false)
    {
        var s = Summary;
        var text = new StringBuilder();
        text.AppendLine($"input:     {s.Format}{(s.WrapperKey is null ? "" : $", unwrapped from '{TerminalText.Sanitize(s.WrapperKey)}'")}{(s.ModulePrefixStripped ? ", 'module.' prefix stripped" : "")}");
        text.AppendLine($"layout:    {s.Layout}");
        text.AppendLine($"model:     {s.Preset ?? "custom"} ({s.Config})");
        text.AppendLine($"written:   {Output.Path} ({Output.Format.Name()}): {s.TensorCount} tensors, {s.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes of weights, {Output.FileBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes on disk");
        text.AppendLine($"dtypes:    {(s.DTypeChanges.Count == 0 ? "unchanged" : string.Join("; ", s.DTypeChanges))}");
        if (s.Synthesized.Count > 0)
        {
            var shown = complete ? s.Synthesized : s.Synthesized.Take(3).ToList();
            text.AppendLine($"filled in: {s.Synthesized.Count} ({string.Join(", ", shown)}{(s.Synthesized.Count > shown.Count ? ", ..." : "")}) with their defined defaults");
        }
        text.AppendLine($"ignored:   {(s.Ignored.Count == 0 ? "nothing" : string.Join("; ", s.Ignored.Select(i => $"{TerminalText.Sanitize(i.Name)} ({TerminalText.Sanitize(i.Reason)})")))}");
        text.Append($"sha256:    {Output.Sha256}");
        return text.ToString();
    }

    /// <summary>One line for a batch: where it went, layout, model, tensor count, hash.</summary>
    public string ToLine() =>
        $"{Output.Path}: {Summary.Layout} layout, {Summary.Preset ?? "custom model"}, {Summary.TensorCount} tensors, sha256 {Output.Sha256}";

    public string ToJson() => JsonOutput.Indented(WriteJson);

    /// <summary>The JSON document, for callers that put several in one document.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteStartObject("input");
        json.WriteString("format", Summary.Format);
        json.WriteString("wrapper_key", Summary.WrapperKey);
        json.WriteBoolean("module_prefix_stripped", Summary.ModulePrefixStripped);
        json.WriteEndObject();
        json.WriteString("layout", Summary.Layout);
        json.WriteStartObject("model");
        json.WriteString("preset", Summary.Preset);
        json.WriteString("config", Summary.Config.ToString());
        json.WriteEndObject();
        json.WriteStartObject("output");
        json.WriteString("path", Output.Path);
        json.WriteString("format", Output.Format.Name());
        json.WriteNumber("tensors", Summary.TensorCount);
        json.WriteNumber("weight_bytes", Summary.Bytes);
        json.WriteNumber("file_bytes", Output.FileBytes);
        json.WriteString("sha256", Output.Sha256);
        json.WriteEndObject();
        json.WriteStartArray("dtype_changes");
        foreach (var change in Summary.DTypeChanges)
        {
            json.WriteStartObject();
            json.WriteString("from", change.From.Name());
            json.WriteString("to", change.To.Name());
            json.WriteNumber("tensors", change.Tensors);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStrings("synthesized", Summary.Synthesized);
        json.WriteIgnored(Summary.Ignored);
        json.WriteEndObject();
    }
}
