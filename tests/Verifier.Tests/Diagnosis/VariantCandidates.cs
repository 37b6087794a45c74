using System.Collections.Concurrent;
using ClipTools.Families.Official;
using ClipTools.Model;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.FaultInjection;

namespace ClipTools.Verifier.Tests.Diagnosis;

/// <summary>
/// The what-if detectors' test candidates: another port's dump as a port with one classic structural mistake would
/// write it, made by running the committed tiny model built with that mistake (<see cref="ModelVariant"/>), chained,
/// and judged against the fixture. Each is made once; the faithful models are loaded once.
/// </summary>
public sealed class VariantCandidates : IDisposable
{
    private readonly ConcurrentDictionary<(string, string), JudgedRun> _runs = new();
    private readonly ConcurrentDictionary<string, Clip> _faithful = new();

    public TinyFixtures Fixtures { get; } = new();

    /// <summary>The mistakes by name, as the tests' data spell them.</summary>
    public static ModelVariant Mistake(string name) => name switch
    {
        "erf-gelu" => new() { Activation = VariantActivation.ErfGelu },
        "tanh-gelu" => new() { Activation = VariantActivation.TanhGelu },
        "layernorm-eps-1e-6" => new() { LayerNormEps = 1e-6 },
        "layernorm-eps-1e-12" => new() { LayerNormEps = 1e-12 },
        "batchnorm-eps-1e-3" => new() { BatchNormEps = 1e-3 },
        "no-causal-mask" => new() { TextCausalMask = false },
        "causal-image-mask" => new() { ImageCausalMask = true },
        "attention-scale-width" => new() { AttentionScale = AttentionScale.InverseSqrtWidth },
        "unscaled-attention" => new() { AttentionScale = AttentionScale.None },
        "pool-last" => new() { TextPooling = TextPooling.LastPosition },
        "pool-before-eot" => new() { TextPooling = TextPooling.BeforeEndOfText },
        _ => throw new ArgumentException($"no mistake named {name}", nameof(name)),
    };

    /// <summary>The committed weights of <paramref name="model"/>, as the model is defined (shared: do not dispose).</summary>
    public Clip Faithful(string model) => _faithful.GetOrAdd(model, m => FaultyRuns.Load(m));

    /// <summary>The chained run of <paramref name="model"/> built with <paramref name="mistake"/> (none: the model
    /// itself), judged.</summary>
    public JudgedRun Candidate(string model, string? mistake) => _runs.GetOrAdd((model, mistake ?? ""), key =>
    {
        if (mistake is null)
        {
            return FaultyRuns.Judge(Fixtures.For(model), Faithful(model), RunMode.Chained);
        }
        using var faulty = (Clip)FamilyModels.Variant(Faithful(model), Mistake(mistake))!;
        return FaultyRuns.Judge(Fixtures.For(model), faulty, RunMode.Chained);
    });

    public void Dispose()
    {
        foreach (var model in _faithful.Values)
        {
            model.Dispose();
        }
        Fixtures.Dispose();
    }
}
