using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClipTools.Converter.Cli;
using ClipTools.Model;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Runner;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// The Paddle port's check, for any number of models: the image logit of an image of all 0.5 against a text of all
/// ones, TorchSharp beside the PyTorch values recorded in each model's fixture.
/// </summary>
internal static class SeedCheckCommand
{
    public static Command Create(CliConvention cli)
    {
        var pairs = new Argument<string[]>("weights-and-fixture")
        {
            Description = "pairs of MODEL.dat FIXTURE.safetensors",
            Arity = new ArgumentArity(2, 64),
        };
        var command = new Command("seed", "Seed check: image of all 0.5 vs text of all ones, TorchSharp beside PyTorch")
        {
            pairs,
        };
        command.SetAction(result => Run(result.GetValue(pairs)!, result.InvocationConfiguration.Output, cli.Mode(result)));
        return command;
    }

    private static int Run(string[] paths, TextWriter stdout, OutputMode mode)
    {
        if (paths.Length % 2 != 0)
        {
            throw new UsageException("give MODEL.dat FIXTURE.safetensors pairs");
        }
        var rows = new List<string[]> { new[] { "model", "TorchSharp fp32", "PyTorch fp32", "PyTorch fp64", "|TorchSharp - fp64|" } };
        var json = new List<object>();
        for (var i = 0; i < paths.Length; i += 2)
        {
            using var fixture = Fixture.Open(paths[i + 1]);
            using var model = ClipModel.Load(paths[i]);
            if (!model.Config.Equals(fixture.Config))
            {
                throw new UsageException($"{paths[i + 1]} is a fixture for another model ({fixture.Config}) than {paths[i]} ({model.Config})");
            }
            using var noGrad = no_grad();
            using var image = ModelRun.ImageInput(fixture, "input.seed_image");
            using var text = ModelRun.TextInput(fixture, "input.seed_text");
            var (perImage, perText) = model.Logits(image, text);
            var ours = perImage.to(ScalarType.Float64).item<double>();
            perImage.Dispose();
            perText.Dispose();
            var torch32 = fixture.ReadDoubles("fp32.output.seed_logit")[0];
            var torch64 = fixture.ReadDoubles("output.seed_logit")[0];
            rows.Add([Path.GetFileNameWithoutExtension(paths[i]), Format(ours), Format(torch32), Format(torch64),
                Math.Abs(ours - torch64).ToString("E2", CultureInfo.InvariantCulture)]);
            json.Add(new { model = paths[i], fixture = paths[i + 1], torchsharp_fp32 = ours, pytorch_fp32 = torch32, pytorch_fp64 = torch64 });
        }
        switch (mode)
        {
            case OutputMode.Json:
                stdout.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputMode.Summary or OutputMode.Verbose:
                stdout.WriteLine(TextTable.Render(rows));
                break;
        }
        return 0;
    }

    private static string Format(double value) => value.ToString("F6", CultureInfo.InvariantCulture);
}
