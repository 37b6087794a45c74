using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Converter.Cli;

/// <summary>
/// <c>clip-convert inspect FILE</c>: the format, the detected layout and model (or why it is not a CLIP checkpoint
/// this tool converts), every tensor, the totals and what was ignored; as JSON with <c>--json</c>.
/// </summary>
public static class InspectCommand
{
    public const string Name = "inspect";

    public static Command Create(CliConvention cli, TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "a checkpoint: PyTorch (zip, TorchScript or legacy), Paddle .pdparams or safetensors" };
        var command = new Command(Name, "Show what a checkpoint holds (format, layout, model, tensors) without converting it") { file };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            return ErrorReporting.Run(stderr, path, () => Print(path, cli.Mode(parse), stdout));
        });
        return command;
    }

    // Names, keys and metadata come from the file: escaped, so none can drive the terminal or fake a line.
    private static string S(string text) => TerminalText.Sanitize(text);

    private static void Print(string path, OutputMode mode, TextWriter output)
    {
        CommandPaths.CheckInputFile(path);
        using var set = FormatDetector.Open(path);
        var (summary, layout, notClip) = Detect(set, path);
        switch (mode)
        {
            case OutputMode.Quiet:
                return;
            case OutputMode.Json:
                output.WriteLine(Json(set, summary, layout, notClip));
                return;
        }
        output.WriteLine($"format: {set.Format.Name()} ({set.Description})");
        if (summary is not null)
        {
            output.WriteLine($"layout: {summary.Layout}{(summary.ModulePrefixStripped ? " ('module.' prefix)" : "")}, family {summary.Family}");
            output.WriteLine($"model: {summary.Preset ?? "custom"} ({summary.Config})");
        }
        else if (layout is not null)
        {
            output.WriteLine($"layout: {layout.Value.Layout.Name}, family {layout.Value.Family.Name}");
            output.WriteLine($"model: unknown: {notClip}");
        }
        else
        {
            output.WriteLine($"layout: not a CLIP checkpoint clip-convert converts: {notClip}");
        }
        if (set.WrapperKey is not null)
        {
            output.WriteLine($"state dict unwrapped from key: {S(set.WrapperKey)}");
        }
        foreach (var (key, value) in set.Metadata)
        {
            output.WriteLine($"metadata: {S(key)} = {S(value)}");
        }
        var width = set.Tensors.Count == 0 ? 4 : set.Tensors.Max(t => S(t.Name).Length);
        output.WriteLine("tensors:");
        foreach (var t in set.Tensors)
        {
            output.WriteLine($"  {S(t.Name).PadRight(width)}  {t.DType.Name(),-8}  {t.ShapeText}");
        }
        output.WriteLine($"total: {set.Tensors.Count} tensors, {set.TotalBytes} bytes");
        output.WriteLine($"ignored: {set.Ignored.Count}");
        foreach (var i in set.Ignored)
        {
            output.WriteLine($"  {S(i.Name)}: {S(i.Reason)}");
        }
    }

    /// <summary>The layout and model a conversion would find (extra keys allowed), or the reason it would stop.</summary>
    /// <remarks>A layout can be known when the model is not (an activation the file does not state).</remarks>
    private static (ConversionSummary? Summary, (Layout Layout, IFamilySpec Family)? Layout, string? Problem) Detect(TensorSet set, string path)
    {
        try
        {
            return (ConversionPipeline.Run(set, new ConversionOptions(AllowExtra: true), path).Summary, null, null);
        }
        catch (CheckpointFormatException e)
        {
            try
            {
                return (null, ConversionPipeline.Recognise(set), e.ToOneLine());
            }
            catch (CheckpointFormatException)
            {
                return (null, null, e.ToOneLine());
            }
        }
    }

    private static string Json(TensorSet set, ConversionSummary? summary, (Layout Layout, IFamilySpec Family)? layout, string? problem) => JsonOutput.Indented(json =>
    {
        json.WriteStartObject();
        json.WriteString("format", set.Format.Name());
        json.WriteString("description", set.Description);
        json.WriteString("layout", summary?.Layout ?? layout?.Layout.Name);
        json.WriteString("family", summary?.Family ?? layout?.Family.Name);
        if (summary is null)
        {
            json.WriteNull("model");
        }
        else
        {
            json.WriteStartObject("model");
            json.WriteString("preset", summary.Preset);
            json.WriteString("config", summary.Config.ToString());
            json.WriteEndObject();
        }
        json.WriteString("model_problem", summary is null && layout is not null ? problem : null);
        json.WriteString("not_clip", layout is null ? problem : null);
        json.WriteString("wrapper_key", set.WrapperKey);
        if (summary is null)
        {
            json.WriteNull("module_prefix");
        }
        else
        {
            json.WriteBoolean("module_prefix", summary.ModulePrefixStripped);
        }
        json.WriteStartObject("metadata");
        foreach (var (key, value) in set.Metadata)
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
        json.WriteStartArray("tensors");
        foreach (var t in set.Tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", t.Name);
            json.WriteString("dtype", t.DType.Name());
            json.WriteStartArray("shape");
            foreach (var dimension in t.Shape)
            {
                json.WriteNumberValue(dimension);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("total_bytes", set.TotalBytes);
        json.WriteIgnored(set.Ignored);
        json.WriteEndObject();
    });
}
