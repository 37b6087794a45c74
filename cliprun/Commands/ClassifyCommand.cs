using ClipTools.Checkpoints.Conversion;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClipTools.Converter.Cli;
using ClipTools.Model;
using static TorchSharp.torch;

namespace ClipTools.Run.Commands;

/// <summary>
/// <c>clip-run classify MODEL --image IMG --labels A B ...</c>: zero-shot classification as in the CLIP paper: each
/// label in the template, the image's logits against them (the model's logit scale included), softmax.
/// </summary>
internal static class ClassifyCommand
{
    public const string Name = "classify";

    public static Command Create(CliConvention cli)
    {
        var model = new Argument<string>("model") { Description = "model weights in any format clip-convert reads, or a .dat" };
        var image = new Option<string>("--image") { Description = "image file", Required = true };
        var labels = new Option<string[]>("--labels") { Description = "class names", Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var template = new Option<string>("--template") { Description = "text around each label; {} is the label", DefaultValueFactory = _ => "a photo of a {}." };
        var truncate = new Option<bool>("--truncate") { Description = "cut texts longer than the model's context instead of failing" };
        var act = new Option<string?>("--act") { Description = "quick_gelu or gelu, for a checkpoint that does not say which activation it uses" };
        var meta = new Option<string[]>(MetaArguments.OptionName) { Description = MetaArguments.Description, Arity = ArgumentArity.ZeroOrMore };
        var foldIds = new Option<bool>("--fold-ids") { Description = "test models with a small vocabulary: ids modulo its size (the result means nothing)" };
        var command = new Command(Name, "Zero-shot probabilities of labels for an image") { model, image, labels, template, truncate, foldIds, act, meta };
        command.SetAction(result =>
        {
            var templateText = result.GetValue(template)!;
            if (!templateText.Contains("{}", StringComparison.Ordinal))
            {
                throw new RunUsageException($"--template \"{templateText}\": has no {{}} for the label");
            }
            var names = result.GetValue(labels)!;
            var texts = names.Select(l => templateText.Replace("{}", l, StringComparison.Ordinal)).ToArray();
            if (result.GetValue(foldIds))
            {
                result.InvocationConfiguration.Error.WriteLine("clip-run: note: --fold-ids: token ids folded into the model's vocabulary; the probabilities mean nothing");
            }
            using var loaded = ClipModel.Load(result.GetValue(model)!, new ClipModelOptions(Activation: result.GetValue(act), Metadata: MetaArguments.Parse(result.GetValue(meta))));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var imageFeatures = loaded.EncodeImage(ModelInputs.Images([result.GetValue(image)!], loaded.Config));
            var textFeatures = loaded.EncodeText(ModelInputs.Texts(texts, loaded.Config, result.GetValue(truncate), result.GetValue(foldIds)));
            var (perImage, _) = loaded.LogitsFromFeatures(imageFeatures, textFeatures);
            var logits = perImage[0].to(ScalarType.Float64).data<double>().ToArray();
            var probabilities = perImage[0].to(ScalarType.Float64).softmax(0).data<double>().ToArray();
            Print(result.InvocationConfiguration.Output, cli.Mode(result), result.GetValue(image)!, names, texts, logits, probabilities);
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter stdout, OutputMode mode, string image, string[] labels, string[] texts, double[] logits, double[] probabilities)
    {
        var order = Enumerable.Range(0, labels.Length).OrderByDescending(i => probabilities[i]).ToArray();
        switch (mode)
        {
            case OutputMode.Json:
                stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    image,
                    results = order.Select(i => new { label = labels[i], text = texts[i], probability = probabilities[i], logit = logits[i] }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                break;
            case OutputMode.Summary or OutputMode.Verbose:
                var width = Math.Max(5, labels.Max(l => l.Length));
                stdout.WriteLine($"{"label".PadRight(width)}  probability    logit");
                foreach (var i in order)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{labels[i].PadRight(width)}  {probabilities[i],11:P2}  {logits[i],7:F3}"));
                }
                break;
        }
    }
}
