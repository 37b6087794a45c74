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

    public string ToJson() => JsonSerializer.Serialize(ToJsonObject(), new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The JSON document as an object, for callers that put several in one document.</summary>
    public object ToJsonObject() => new
    {
        input = new { format = Summary.Format, wrapper_key = Summary.WrapperKey, module_prefix_stripped = Summary.ModulePrefixStripped },
        layout = Summary.Layout,
        model = new { preset = Summary.Preset, config = Summary.Config.ToString() },
        output = new
        {
            path = Output.Path,
            format = Output.Format.Name(),
            tensors = Summary.TensorCount,
            weight_bytes = Summary.Bytes,
            file_bytes = Output.FileBytes,
            sha256 = Output.Sha256,
        },
        dtype_changes = Summary.DTypeChanges.Select(c => new { from = c.From.Name(), to = c.To.Name(), tensors = c.Tensors }),
        synthesized = Summary.Synthesized,
        ignored = Summary.Ignored.Select(i => new { name = i.Name, reason = i.Reason }),
    };
}
