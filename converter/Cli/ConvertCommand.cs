using System.CommandLine;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>
/// <c>clip-convert IN OUT</c>: any supported checkpoint in, the official CLIP weights out as <c>.dat</c> (what the
/// TorchSharp CLIP loads), <c>.safetensors</c> (official names) or <c>.pdparams</c> (the Paddle port's layout).
/// <c>clip-convert IN... -o FOLDER</c> converts several files (see <see cref="BatchConversion"/>).
/// </summary>
public static class ConvertCommand
{
    public const string Name = "convert";

    public static Command Create(CliConvention cli, TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "IN OUT: a CLIP checkpoint (PyTorch zip, TorchScript or legacy; Paddle .pdparams; safetensors) and the output "
                + "(.dat, .safetensors or .pdparams, by extension); or, with -o, any number of checkpoints",
            Arity = ArgumentArity.OneOrMore,
        };
        var outputFolder = new Option<string?>("--output-dir", "-o") { Description = "convert every FILE into this existing folder, as NAME.dat (or --to); one bad file does not stop the rest" };
        var to = new Option<string?>("--to") { Description = "with -o: the output format, dat (default), safetensors or pdparams" };
        to.AcceptOnlyFromAmong("dat", "safetensors", "pdparams");
        var model = new Option<string?>("--model") { Description = "cross-check the inferred model against a preset (RN50, ViT-B/32, ...)" };
        var dtype = new Option<string>("--dtype") { Description = "float weights as float32 (default), float16, or keep as stored", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "float16", "keep");
        var allowExtra = new Option<bool>("--allow-extra") { Description = "ignore keys that are not part of the official layout instead of stopping" };
        var act = new Option<string?>("--act") { Description = "the MLP activation, where the checkpoint does not say: quick_gelu (OpenAI) or gelu (open_clip LAION)" };
        act.AcceptOnlyFromAmong("quick_gelu", "gelu");
        var meta = new Option<string[]>(MetaArguments.OptionName) { Description = MetaArguments.Description, Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(Name, "Convert a checkpoint: clip-convert IN OUT, or clip-convert IN... -o FOLDER (the command name may be left out)")
        {
            files, outputFolder, to, model, dtype, allowExtra, act, meta,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files)!;
            IReadOnlyDictionary<string, string>? metadata;
            try
            {
                metadata = MetaArguments.Parse(parse.GetValue(meta));
            }
            catch (ArgumentException e)
            {
                return cli.UsageErrorLine(stderr, e.Message, Name);
            }
            var options = new ConversionOptions(parse.GetValue(model), parse.GetValue(allowExtra), ConversionOptions.ParseDType(parse.GetValue(dtype)!),
                parse.GetValue(act), metadata);
            var mode = cli.Mode(parse);
            // An unknown option lands among the files (they take any number): name it as what it is.
            if (paths.FirstOrDefault(p => p.Length > 1 && p[0] == '-') is { } unknown)
            {
                return cli.UsageErrorLine(stderr, $"unknown option {unknown} (a file whose name starts with '-': ./{unknown})", Name);
            }
            if (parse.GetValue(outputFolder) is { } folder)
            {
                var format = OutputFormats.FromPath("x." + (parse.GetValue(to) ?? "dat"))!.Value;
                return BatchConversion.Run(paths, folder, format, options, mode, stdout, stderr);
            }
            if (parse.GetValue(to) is not null || paths.Length != 2)
            {
                return cli.UsageErrorLine(stderr, parse.GetValue(to) is not null
                    ? "--to goes with -o FOLDER (a single output's format comes from its extension)"
                    : $"give IN OUT, or several inputs with -o FOLDER ({paths.Length} file{(paths.Length == 1 ? "" : "s")} given)", Name);
            }
            var source = Path.GetFullPath(paths[0]);
            return ErrorReporting.Run(stderr, source, () =>
            {
                var report = Convert(source, paths[1], options, mode == OutputMode.Quiet || mode == OutputMode.Json ? null : stderr);
                Print(report, mode, stdout);
            });
        });
        return command;
    }

    public static void Print(ConversionReport report, OutputMode mode, TextWriter stdout)
    {
        switch (mode)
        {
            case OutputMode.Json:
                stdout.WriteLine(report.ToJson());
                break;
            case OutputMode.Summary or OutputMode.Verbose:
                stdout.WriteLine(report.ToText(complete: mode == OutputMode.Verbose));
                break;
        }
    }

    public static ConversionReport Convert(string source, string destination, ConversionOptions options, TextWriter? progressTo = null)
    {
        CommandPaths.CheckInputFile(source);
        CommandPaths.CheckOutputFile(destination);
        var format = OutputFormats.FromPath(destination)
            ?? throw new OutputException($"{destination}: the output's extension must be .dat, .safetensors or .pdparams");
        if (string.Equals(Path.GetFullPath(destination), Path.GetFullPath(source), StringComparison.Ordinal))
        {
            throw new OutputException($"{destination}: is the input itself; write the output elsewhere");
        }
        PhaseTrace.Mark("command line");
        using var input = FormatDetector.Open(source);
        PhaseTrace.Mark("read the input's index");
        var result = ConversionPipeline.Run(input, options, source);
        PhaseTrace.Mark("layout, config, checks");
        var (writer, tensors) = format switch
        {
            OutputFormat.Pdparams => PaddleOutput(result),
            OutputFormat.Safetensors => ((ITensorFileWriter)new SafetensorsWriter([new("format", "pt"), .. result.Metadata]), result.Tensors),
            _ => (new DatWriter(), result.Tensors),
        };
        using var progress = ConversionProgress.For(tensors.Sum(t => t.ByteCount), progressTo);
        var entries = tensors.Select(t => progress.Track(t.ToTensorEntry())).ToList();
        var written = OutputFile.Write(destination, writer, entries);
        if (format == OutputFormat.Dat)
        {
            // A .dat holds tensors only: what the shapes cannot tell goes beside it.
            WriteSidecarOrRemove(destination, result.Metadata);
        }
        return new ConversionReport(result.Summary, written);
    }

    private static (ITensorFileWriter, IReadOnlyList<Checkpoints.Layouts.MappedTensor>) PaddleOutput(ConversionResult result)
    {
        var export = PaddleExport.FromCanonical(result.Tensors, result.Config);
        var table = export.NameTable.Select(r => new KeyValuePair<string, string>(r.StructuredName, r.ParameterName));
        return (new PdparamsWriter(table), export.Tensors);
    }

    private static void WriteSidecarOrRemove(string destination, IReadOnlyDictionary<string, string> metadata)
    {
        try
        {
            CheckpointMetadata.WriteSidecar(destination, metadata);
        }
        catch
        {
            File.Delete(destination);
            throw;
        }
    }
}
