using System.CommandLine;
using System.Text.Json;
using ClipTools.Converter.Cli;
using ClipTools.Input.Preprocessing;
using ClipTools.Model;

namespace ClipTools.Run.Commands;

/// <summary><c>clip-run preprocess IMG --out x.npy</c>: the official preprocessing of one image as float32 [1, 3, R, R].</summary>
internal static class PreprocessCommand
{
    public static Command Create(CliConvention cli)
    {
        var image = new Argument<string>("image") { Description = "image file (JPEG, PNG, ...)" };
        var output = new Option<string>("--out") { Description = "where to write the tensor (.npy, float32 [1, 3, R, R])", Required = true };
        var size = new Option<int?>("--size") { Description = "output resolution R (default: the model's with --model, else 224)" };
        var model = new Option<string?>("--model") { Description = "take R from this model's config" };
        var command = new Command("preprocess", "The model input of one image, as openai/CLIP's preprocess makes it") { image, output, size, model };
        command.SetAction(result =>
        {
            var outPath = result.GetValue(output)!;
            if (!outPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            {
                throw new RunUsageException($"--out {outPath}: the tensor is written as .npy");
            }
            var resolution = result.GetValue(size) ?? (result.GetValue(model) is { } m ? LoadResolution(m) : 224);
            if (resolution is < 1 or > 8192)
            {
                throw new RunUsageException($"--size {resolution}: must be between 1 and 8192");
            }
            var decoded = ImageDecoder.Decode(result.GetValue(image)!);
            var values = ClipPreprocessing.Preprocess(decoded, resolution);
            NpyFile.WriteFloat32(outPath, values, [1, 3, resolution, resolution]);
            var stdout = result.InvocationConfiguration.Output;
            switch (cli.Mode(result))
            {
                case OutputMode.Json:
                    stdout.WriteLine(JsonSerializer.Serialize(new
                    {
                        path = outPath,
                        shape = new[] { 1, 3, resolution, resolution },
                        source = new { width = decoded.Width, height = decoded.Height, mode = decoded.Mode.ToString() },
                    }));
                    break;
                case OutputMode.Summary or OutputMode.Verbose:
                    stdout.WriteLine($"wrote {outPath}: float32 [1, 3, {resolution}, {resolution}] from {decoded.Width}x{decoded.Height} ({decoded.Mode})");
                    break;
            }
            return 0;
        });
        return command;
    }

    private static int LoadResolution(string modelPath)
    {
        using var model = ClipModel.Load(modelPath);
        return model.Config.ImageResolution;
    }
}
