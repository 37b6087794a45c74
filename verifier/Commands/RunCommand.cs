using System.CommandLine;
using ClipTools.Checkpoints.Formats;
using System.Text.Json;
using ClipTools.Converter.Cli;
using ClipTools.Converter.Writers;
using ClipTools.Model;
using ClipTools.Verifier.Runner;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// Runs the model on given inputs and writes image_features, text_features, logits_per_image and logits_per_text
/// (float32) to a safetensors file: what another port's output can be compared with.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliConvention cli)
    {
        var model = new Argument<string>("model") { Description = "weights (.dat)" };
        var inputs = new Option<string>("--inputs") { Description = "image (float32 NCHW) and text (int64 ids) in .npz or .safetensors", Required = true };
        var output = new Option<string>("--out") { Description = "where to write the outputs (.safetensors)", Required = true };
        var maxBatch = new Option<int>("--max-batch")
        {
            Description = $"the most images, and the most texts, one run takes (default {ModelInputs.DefaultMaxBatch}); a larger batch is refused before the model is loaded",
            DefaultValueFactory = _ => ModelInputs.DefaultMaxBatch,
        };
        maxBatch.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--max-batch must be at least 1");
            }
        });
        var command = new Command("run", "Run the model on given inputs and write its features and logits") { model, inputs, output, maxBatch };
        var loading = new ModelLoadOptions();
        loading.AddTo(command);
        command.SetAction(result => Run(result.GetValue(model)!, loading.Options(result), result.GetValue(inputs)!, result.GetValue(output)!,
            result.GetValue(maxBatch), result.InvocationConfiguration.Output, cli.Mode(result)));
        return command;
    }

    private static int Run(string modelPath, ClipModelOptions loadOptions, string inputsPath, string outputPath, int maxBatch, TextWriter stdout, OutputMode mode)
    {
        if (OutputFormats.FromPath(outputPath) != OutputFormat.Safetensors)
        {
            throw new UsageException($"--out {outputPath}: the outputs are written as .safetensors");
        }
        CommandPaths.CheckOutputFile(outputPath);
        ModelInputs.CheckBatch(inputsPath, maxBatch);
        using var model = ClipModel.Load(modelPath, loadOptions);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (image, text) = ModelInputs.Read(inputsPath, model.Config);
        var imageFeatures = model.EncodeImage(image);
        var textFeatures = model.EncodeText(text);
        var (perImage, perText) = model.LogitsFromFeatures(imageFeatures, textFeatures);
        var entries = new[]
        {
            Entry("image_features", imageFeatures),
            Entry("text_features", textFeatures),
            Entry("logits_per_image", perImage),
            Entry("logits_per_text", perText),
        };
        var summary = OutputFile.Write(outputPath, new SafetensorsWriter(), entries);
        switch (mode)
        {
            case OutputMode.Json:
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    path = summary.Path,
                    sha256 = summary.Sha256,
                    outputs = entries.Select(e => new { name = e.Name, dtype = "float32", shape = e.Shape }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputMode.Summary or OutputMode.Verbose:
                stdout.WriteLine($"wrote {summary.Path}: {string.Join(", ", entries.Select(e => $"{e.Name} {e.ShapeText}"))}; sha256 {summary.Sha256}");
                break;
        }
        return 0;
    }

    private static TensorEntry Entry(string name, Tensor value)
    {
        var data = value.to(ScalarType.Float32).contiguous();
        return new TensorEntry(name, DType.Float32, data.shape, new MemoryBytes(data.bytes.ToArray()));
    }
}
