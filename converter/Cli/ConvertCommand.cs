using System.CommandLine;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>
/// <c>clip-convert IN OUT</c>: any supported checkpoint in, the official CLIP weights out as <c>.dat</c> (what the
/// TorchSharp CLIP loads), <c>.safetensors</c> (official names) or <c>.pdparams</c> (the Paddle port's layout).
/// </summary>
public static class ConvertCommand
{
    public static void AddTo(RootCommand root, TextWriter stdout, TextWriter stderr)
    {
        var input = new Argument<FileInfo>("IN") { Description = "a CLIP checkpoint: PyTorch (zip, TorchScript or legacy), Paddle .pdparams or safetensors" };
        var output = new Argument<FileInfo>("OUT") { Description = "the output: .dat, .safetensors or .pdparams (by extension)" };
        var model = new Option<string?>("--model") { Description = "cross-check the inferred model against a preset (RN50, ViT-B/32, ...)" };
        var dtype = new Option<string>("--dtype") { Description = "float weights as float32 (default), float16, or keep as stored", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "float16", "keep");
        var allowExtra = new Option<bool>("--allow-extra") { Description = "ignore keys that are not part of the official layout instead of stopping" };
        var json = new Option<bool>("--json") { Description = "print the summary as JSON" };
        root.Arguments.Add(input);
        root.Arguments.Add(output);
        root.Options.Add(model);
        root.Options.Add(dtype);
        root.Options.Add(allowExtra);
        root.Options.Add(json);
        root.SetAction(parse =>
        {
            var source = parse.GetValue(input)!.FullName;
            var options = new ConversionOptions(parse.GetValue(model), parse.GetValue(allowExtra), ConversionOptions.ParseDType(parse.GetValue(dtype)!));
            return ErrorReporting.Run(stderr, source, () =>
            {
                var report = Convert(source, parse.GetValue(output)!.FullName, options, stderr);
                stdout.WriteLine(parse.GetValue(json) ? report.ToJson() : report.ToText());
            });
        });
    }

    public static ConversionReport Convert(string source, string destination, ConversionOptions options, TextWriter? progressTo = null)
    {
        var format = OutputFormats.FromPath(destination)
            ?? throw new OutputException($"{Path.GetFileName(destination)}: the output's extension must be .dat, .safetensors or .pdparams");
        using var input = FormatDetector.Open(source);
        var result = ConversionPipeline.Run(input, options);
        var (writer, tensors) = format switch
        {
            OutputFormat.Pdparams => PaddleOutput(result),
            OutputFormat.Safetensors => ((ITensorFileWriter)new SafetensorsWriter([new("format", "pt")]), result.Tensors),
            _ => (new DatWriter(), result.Tensors),
        };
        using var progress = ConversionProgress.For(tensors.Sum(t => t.ByteCount), progressTo);
        var entries = tensors.Select(t => progress.Track(t.ToTensorEntry())).ToList();
        var written = OutputFile.Write(destination, writer, entries);
        return new ConversionReport(result.Summary, written);
    }

    private static (ITensorFileWriter, IReadOnlyList<Checkpoints.Layouts.MappedTensor>) PaddleOutput(ConversionResult result)
    {
        var export = PaddleExport.FromCanonical(result.Tensors, result.Config);
        var table = export.NameTable.Select(r => new KeyValuePair<string, string>(r.StructuredName, r.ParameterName));
        return (new PdparamsWriter(table), export.Tensors);
    }
}
