using ClipTools.Model;
using ClipTools.Model.Taps;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Runner;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// Re-runs the stage that produces one tap (or the tower's features) from the fixture's reference input of that
/// stage, the float64 reference rounded to the model's precision as isolated mode feeds it, and returns the tap's
/// values. A what-if detector replays with a parameter changed for the duration of one run
/// (<see cref="RunWith(IReadOnlyDictionary{string, Func{Tensor, Tensor}})"/>, always restored) or on a variant model
/// built with another option (<see cref="ForVariant"/>). Stages fed from the model input (the stem, the embeddings,
/// the first text block) replay from the model input.
/// </summary>
public sealed class StageReplay
{
    private readonly Fixture _fixture;
    private readonly bool _imageTower;
    private readonly int _start;
    private readonly string? _inputTap;
    private readonly bool _isOutput;
    private IReadOnlyList<string>? _parameters;

    private StageReplay(IDualEncoder model, Fixture fixture, string tap, bool imageTower, int start, string? inputTap, bool isOutput)
    {
        _inputTap = inputTap;
        Model = model;
        _fixture = fixture;
        Tap = tap;
        _imageTower = imageTower;
        _start = start;
        _isOutput = isOutput;
    }

    /// <summary>The tap (or <c>image_features</c> / <c>text_features</c>) replayed.</summary>
    public string Tap { get; }

    /// <summary>The model replayed; its parameters are changed only inside <see cref="RunWith(string, Func{Tensor, Tensor})"/>.</summary>
    public IDualEncoder Model { get; }

    /// <summary>
    /// A replay of <paramref name="tap"/>, or null when no stage of <paramref name="model"/> produces it (the logits,
    /// a tap the model does not record, a model for another config).
    /// </summary>
    public static StageReplay? For(IDualEncoder model, Fixture fixture, string tap)
    {
        if (!model.Config.Equals(fixture.Config))
        {
            return null;
        }
        var taps = fixture.Taps.Select(t => t.Name).ToList();
        var index = taps.IndexOf(tap);
        bool imageTower;
        if (index >= 0)
        {
            if (!model.TapNames.Contains(tap))
            {
                return null;
            }
            imageTower = fixture.Taps[index].Tower == "image";
        }
        else if (tap is "image_features" or "text_features")
        {
            imageTower = tap == "image_features";
            index = int.MaxValue;
        }
        else
        {
            return null;
        }
        using var scope = NewDisposeScope();
        var (image, text) = model.Stages(ModelRun.TextInput(fixture, "input.text"));
        var stages = imageTower ? image : text;
        // Start at the last stage whose reference input comes before the tap (its input tap precedes every tap the
        // stage records); without one, at the tower's first stage from the model input.
        var start = 0;
        string? inputTap = null;
        for (var k = 0; k < stages.Count; k++)
        {
            if (stages[k].InputTap is { } input && taps.IndexOf(input) is var at && at >= 0 && at < index
                && fixture.Has($"tap.{input}"))
            {
                (start, inputTap) = (k, input);
            }
        }
        return new StageReplay(model, fixture, tap, imageTower, start, inputTap, index == int.MaxValue);
    }

    /// <summary>The same replay on <paramref name="variant"/> (a model of the same config built another way), or null.</summary>
    public StageReplay? ForVariant(IDualEncoder variant) => For(variant, _fixture, Tap);

    /// <summary>The tap replayed with the model as it is; null when the replay did not produce it.</summary>
    public double[]? Run() => RunWith(new Dictionary<string, Func<Tensor, Tensor>>());

    /// <summary>The tap replayed with <paramref name="parameter"/> replaced by <paramref name="change"/>(its value).</summary>
    public double[]? RunWith(string parameter, Func<Tensor, Tensor> change) =>
        RunWith(new Dictionary<string, Func<Tensor, Tensor>> { [parameter] = change });

    /// <summary>
    /// The tap replayed with each named parameter or buffer replaced by its change (same shape, any dtype; the
    /// result is cast to the parameter's). Every change is undone afterwards, also when the run throws. Null when a
    /// name is unknown, a change has another shape, or the replay did not produce the tap.
    /// </summary>
    public double[]? RunWith(IReadOnlyDictionary<string, Func<Tensor, Tensor>> changes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tensors = NamedTensors();
        var saved = new List<(Tensor Target, Tensor Original)>();
        try
        {
            foreach (var (name, change) in changes)
            {
                if (!tensors.TryGetValue(name, out var target))
                {
                    return null;
                }
                var original = target.clone();
                var replacement = change(original.clone());
                if (!replacement.shape.SequenceEqual(target.shape))
                {
                    return null;
                }
                saved.Add((target, original));
                target.copy_(replacement.to(target.dtype));
            }
            return Replay(out _);
        }
        finally
        {
            foreach (var (target, original) in saved)
            {
                target.copy_(original);
            }
        }
    }

    /// <summary>
    /// The floating parameters and buffers the replayed stages may use: those of every module tapped during the
    /// replay and of the stages' own modules, plus the tower's and the model's direct parameters (embeddings,
    /// projections). Some may not affect the tap; none that does is left out.
    /// </summary>
    public IReadOnlyList<string> Parameters => _parameters ??= FindParameters();

    private IReadOnlyList<string> FindParameters()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Replay(out var recorded);
        var prefixes = recorded.Select(n => n + ".").ToList();
        var tower = _imageTower ? "visual." : "";
        return NamedTensors()
            .Where(p => p.Value.is_floating_point())
            .Select(p => p.Key)
            .Where(name => prefixes.Any(name.StartsWith)
                || (name.StartsWith(tower, StringComparison.Ordinal) && !name[tower.Length..].Contains('.'))
                || !name.Contains('.'))
            .ToList();
    }

    /// <summary>A detached copy of a parameter or buffer of the model, or null when it has none of that name.</summary>
    public Tensor? ValueOf(string name)
    {
        using var noGrad = no_grad();
        return NamedTensors().TryGetValue(name, out var t) ? t.detach().clone() : null;
    }

    /// <summary>The shape of a parameter or buffer of the model, or null when it has none of that name.</summary>
    public long[]? ShapeOf(string name) => NamedTensors().TryGetValue(name, out var t) ? t.shape : null;

    private Dictionary<string, Tensor> NamedTensors()
    {
        var named = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in Model.Module.named_parameters())
        {
            named[name] = parameter;
        }
        foreach (var (name, buffer) in Model.Module.named_buffers())
        {
            named.TryAdd(name, buffer);
        }
        return named;
    }

    /// <summary>Runs the stages from the start stage until the tap is recorded; <paramref name="recorded"/> lists
    /// every tap and stage run (module paths).</summary>
    private double[]? Replay(out List<string> recorded)
    {
        var dtype = Model.Module.parameters().First().dtype;
        var (image, text) = Model.Stages(ModelRun.TextInput(_fixture, "input.text"));
        var stages = _imageTower ? image : text;
        using var sink = new TapSink();
        recorded = [];
        Tensor? result = null;
        using (TapHooks.Attach(Model, sink))
        {
            var x = _inputTap is null
                ? _imageTower ? ModelRun.ImageInput(_fixture, "input.image").to(dtype) : ModelRun.TextInput(_fixture, "input.text")
                : tensor(_fixture.ReadDoubles($"tap.{_inputTap}"), _fixture.Shape($"tap.{_inputTap}")).to(dtype);
            for (var k = _start; k < stages.Count; k++)
            {
                x = stages[k].Run(x);
                recorded.Add(stages[k].Name);
                if (!_isOutput && sink.Taps.Any(t => t.Name == Tap))
                {
                    break;
                }
            }
            result = _isOutput ? x : sink.Taps.Where(t => t.Name == Tap).Select(t => t.Value).FirstOrDefault();
        }
        recorded.AddRange(sink.Taps.Select(t => t.Name));
        return result?.to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }
}
