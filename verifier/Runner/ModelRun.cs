using System.Runtime.InteropServices;
using ClipTools.Model;
using ClipTools.Model.Taps;
using ClipTools.Verifier.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Runner;

/// <summary>One activation of a candidate run, widened to float64, row-major.</summary>
public sealed record Activation(string Name, long[] Shape, double[] Values);

/// <summary>What a model computed on a fixture's inputs: every tap in order, then the outputs.</summary>
public sealed record RunResult(IReadOnlyList<Activation> Taps, IReadOnlyDictionary<string, Activation> Outputs);

/// <summary>A stage as a run starts it, and whether it is one of its tower's <see cref="ModelRun.SharedStageCount">shared stages</see>.</summary>
public delegate void StageStart(Stage stage, bool shared);

/// <summary>Runs a model of any family stage by stage on a fixture's inputs and records every tap.</summary>
public static class ModelRun
{
    /// <param name="onTap">
    /// when given, each tap goes to it as its module returns (the tensor is valid only during the call) and the
    /// result's <see cref="RunResult.Taps"/> is empty: nothing holds every activation of the model at once
    /// </param>
    /// <param name="own">the candidate's own tokens and pixels made from the fixture's raw inputs: they feed the model
    /// instead of the fixture's <c>input.text</c> / <c>input.image</c> (so a tokenizer or preprocessing error shows
    /// downstream too) and lead the result's taps as <c>input.tokens</c> / <c>input.pixels</c> (streamed or not)</param>
    /// <param name="onStage">told of each stage as it starts, before its taps</param>
    /// <param name="skipSharedStages">isolated only: the towers' shared stages are not run and their taps not recorded
    /// (they compute what a chained run of the same inputs computed: the caller has its judgements)</param>
    public static RunResult Run(IDualEncoder model, Fixture fixture, RunMode mode, Action<string, Tensor>? onTap = null, OwnInputs? own = null,
        StageStart? onStage = null, bool skipSharedStages = false)
    {
        if (skipSharedStages && mode != RunMode.Isolated)
        {
            throw new ArgumentException("only an isolated run can leave the shared stages to a chained one", nameof(skipSharedStages));
        }
        if (!model.Config.Equals(fixture.Config))
        {
            throw new FixtureFormatException(fixture.Path,
                $"the fixture is for a different model ({fixture.Config}) than the one given ({model.Config})");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dtype = model.Module.parameters().First().dtype;
        using var sink = onTap is null ? new TapSink() : new TapSink(onTap);
        var hooks = TapHooks.Attach(model, sink);
        try
        {
            var text = own?.TokensTensor() ?? TextInput(fixture, "input.text");
            if (own?.Tokens is { } ids && ids.Max() >= model.Config.VocabSize)
            {
                throw new FixtureFormatException(fixture.Path,
                    $"the fixture's texts tokenize to ids up to {ids.Max()}, outside the model's vocabulary of {model.Config.VocabSize}");
            }
            var (imageStages, textStages) = model.Stages(text);
            var image = own?.PixelsTensor() ?? ImageInput(fixture, "input.image");
            var imageFeatures = RunStages(imageStages, image.to(dtype), fixture, mode, dtype, onStage, skipSharedStages);
            var textFeatures = RunStages(textStages, text, fixture, mode, dtype, onStage, skipSharedStages);
            hooks.Dispose();
            var (perImage, perText) = model.LogitsFromFeatures(imageFeatures, textFeatures);
            var outputs = new Dictionary<string, Activation>
            {
                ["image_features"] = ToActivation("image_features", imageFeatures),
                ["text_features"] = ToActivation("text_features", textFeatures),
                ["logits_per_image"] = ToActivation("logits_per_image", perImage),
                ["logits_per_text"] = ToActivation("logits_per_text", perText),
            };
            if (mode == RunMode.Chained)
            {
                // The seed pair has no reference taps to isolate stages with: it is an end-to-end number only.
                var seed = model.Logits(ImageInput(fixture, "input.seed_image").to(dtype), TextInput(fixture, "input.seed_text")).PerImage;
                outputs["seed_logit"] = ToActivation("seed_logit", seed);
            }
            var taps = new[] { own?.TokensActivation, own?.PixelsActivation }.OfType<Activation>()
                .Concat(sink.Taps.Select(t => ToActivation(t.Name, t.Value))).ToList();
            return new RunResult(taps, outputs);
        }
        finally
        {
            hooks.Dispose();
        }
    }

    public static Tensor ImageInput(Fixture fixture, string name) =>
        tensor(fixture.ReadFloats(name), fixture.Shape(name));

    public static Tensor TextInput(Fixture fixture, string name) =>
        tensor(fixture.ReadInt64s(name), fixture.Shape(name));

    /// <summary>
    /// How many of a tower's stages, from its first, an isolated run feeds what a chained run feeds: the leading stages
    /// that take no reference input (a ResNet's stem; the text embedding and first block), so they compute the same
    /// values in both modes. None when no later stage takes a reference input, as the tower's output then depends on them.
    /// </summary>
    public static int SharedStageCount(IReadOnlyList<Stage> stages)
    {
        var count = stages.TakeWhile(s => s.InputTap is null).Count();
        return count < stages.Count ? count : 0;
    }

    private static Tensor RunStages(IReadOnlyList<Stage> stages, Tensor input, Fixture fixture, RunMode mode, ScalarType dtype,
        StageStart? onStage, bool skipShared)
    {
        var x = input;
        var shared = SharedStageCount(stages);
        // Skipped, the shared stages leave x as the input: the next stage takes its reference input instead.
        foreach (var (stage, index) in stages.Select((s, i) => (s, i)).Skip(skipShared ? shared : 0))
        {
            onStage?.Invoke(stage, index < shared);
            Tensor next;
            // Each stage's intermediates are freed when it ends, and each stage's input once the next is computed:
            // a full-size model's activations are never all alive at once.
            using (var stageScope = NewDisposeScope())
            {
                var stageInput = mode == RunMode.Isolated && stage.InputTap is { } tap
                    // The float64 reference, rounded once to the model's precision, as a port would receive it.
                    ? ReferenceInput(fixture, $"tap.{tap}", dtype)
                    : x;
                next = stage.Run(stageInput).MoveToOuterDisposeScope();
            }
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, next) && x.Handle != next.Handle)
            {
                x.Dispose();
            }
            x = next;
        }
        return x;
    }

    /// <summary>A fixture tensor rounded to <paramref name="dtype"/>; to float32 read and rounded straight into the
    /// tensor's storage, in chunks (the values <c>.to(float32)</c> of the float64 tensor gives).</summary>
    private static Tensor ReferenceInput(Fixture fixture, string name, ScalarType dtype)
    {
        if (dtype != ScalarType.Float32)
        {
            return ReadTensor(fixture, name).to(dtype);
        }
        var value = empty(fixture.Shape(name), ScalarType.Float32);
        fixture.ReadRoundedToFloat32(name, MemoryMarshal.Cast<byte, float>(value.bytes));
        return value;
    }

    /// <summary>A fixture tensor as a float64 tensor, read straight into its storage.</summary>
    private static Tensor ReadTensor(Fixture fixture, string name)
    {
        var value = empty(fixture.Shape(name), ScalarType.Float64);
        fixture.ReadDoubles(name, MemoryMarshal.Cast<byte, double>(value.bytes));
        return value;
    }

    public static Activation ToActivation(string name, Tensor value) =>
        new(name, value.shape, value.to(ScalarType.Float64).contiguous().data<double>().ToArray());
}
