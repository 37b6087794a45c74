using ClipTools.Checkpoints.Conversion;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;
using ClipTools.Converter.Writers;
using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Run.Commands;

/// <summary>
/// <c>clip-run embed MODEL --image I... --text T...</c>: image and text features (as the model's encode_image /
/// encode_text return them, not normalised), printed or written to a safetensors file.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create(CliConvention cli)
    {
        var model = new Argument<string>("model") { Description = "model weights in any format clip-convert reads, or a .dat" };
        var images = new Option<string[]>("--image") { Description = "image files", AllowMultipleArgumentsPerToken = true };
        var texts = new Option<string[]>("--text") { Description = "texts", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "write image_features and text_features (float32) to this .safetensors" };
        var truncate = new Option<bool>("--truncate") { Description = "cut texts longer than the model's context instead of failing" };
        var act = new Option<string?>("--act") { Description = "quick_gelu or gelu, for a checkpoint that does not say which activation it uses" };
        var meta = new Option<string[]>(MetaArguments.OptionName) { Description = MetaArguments.Description, Arity = ArgumentArity.ZeroOrMore };
        var foldIds = new Option<bool>("--fold-ids") { Description = "test models with a small vocabulary: ids modulo its size (the result means nothing)" };
        var command = new Command("embed", "Image and text features") { model, images, texts, output, truncate, foldIds, act, meta };
        command.SetAction(result =>
        {
            var imagePaths = result.GetValue(images) ?? [];
            var textValues = result.GetValue(texts) ?? [];
            if (imagePaths.Length == 0 && textValues.Length == 0)
            {
                throw new RunUsageException("nothing to embed: give --image and/or --text");
            }
            var outPath = result.GetValue(output);
            if (outPath is not null && OutputFormats.FromPath(outPath) != OutputFormat.Safetensors)
            {
                throw new RunUsageException($"--out {outPath}: the features are written as .safetensors");
            }
            using var loaded = ClipModel.Load(result.GetValue(model)!, new ClipModelOptions(Activation: result.GetValue(act), Metadata: MetaArguments.Parse(result.GetValue(meta))));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var features = new List<(string Name, string[] Inputs, Tensor Value)>();
            if (imagePaths.Length > 0)
            {
                features.Add(("image_features", imagePaths, loaded.EncodeImage(ModelInputs.Images(imagePaths, loaded.Config)).to(ScalarType.Float32)));
            }
            if (textValues.Length > 0)
            {
                features.Add(("text_features", textValues, loaded.EncodeText(ModelInputs.Texts(textValues, loaded.Config, result.GetValue(truncate), result.GetValue(foldIds))).to(ScalarType.Float32)));
            }
            if (outPath is not null)
            {
                var entries = features.Select(f => new TensorEntry(f.Name, DType.Float32, f.Value.shape, new MemoryBytes(f.Value.contiguous().bytes.ToArray()))).ToArray();
                OutputFile.Write(outPath, new SafetensorsWriter(), entries);
            }
            Print(result.InvocationConfiguration.Output, cli.Mode(result), features, outPath);
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter stdout, OutputMode mode, List<(string Name, string[] Inputs, Tensor Value)> features, string? outPath)
    {
        var rows = features.SelectMany(f => f.Inputs.Select((input, i) => (f.Name, Input: input, Values: f.Value[i].data<float>().ToArray()))).ToList();
        switch (mode)
        {
            case OutputMode.Json:
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    written = outPath,
                    features = rows.Select(r => new { kind = r.Name, input = r.Input, values = r.Values }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputMode.Summary or OutputMode.Verbose:
                foreach (var (name, input, values) in rows)
                {
                    var norm = Math.Sqrt(values.Sum(v => (double)v * v));
                    var head = string.Join(' ', values.Take(mode == OutputMode.Verbose ? values.Length : 4).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} [{values.Length}] |x|={norm:F4} {head}{(mode == OutputMode.Verbose || values.Length <= 4 ? "" : " ...")}\t{JsonSerializer.Serialize(input)}"));
                }
                if (outPath is not null)
                {
                    stdout.WriteLine($"wrote {outPath}");
                }
                break;
        }
    }
}
