using System.Buffers;
using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;
using ClipTools.Model;
using TorchSharp;
using static TorchSharp.torch;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>Judges every tap and output of a fixture against a candidate's activations, in execution order.</summary>
public static class FixtureComparison
{
    private const string OutputTower = "output";

    /// <summary>Judges a run of our model: every tap, and the outputs that run computes in its mode.</summary>
    public static ModeResults Compare(Fixture fixture, RunResult run, RunMode mode, TapJudge judge) =>
        Compare(fixture, CandidateActivations.From(run), mode, judge, fixture.Outputs.Where(run.Outputs.ContainsKey));

    /// <summary>Judges a run of our model on the taps and outputs of <paramref name="selection"/> (all when null).</summary>
    public static ModeResults Compare(Fixture fixture, RunResult run, RunMode mode, TapJudge judge, TapSelection? selection) =>
        Compare(fixture, CandidateActivations.From(run), mode, judge, fixture.Outputs.Where(run.Outputs.ContainsKey), selection);

    /// <param name="outputs">the outputs to judge: all the fixture's when null</param>
    /// <param name="selection">the taps and outputs to check; the others are reported "not checked" (all checked when null)</param>
    public static ModeResults Compare(Fixture fixture, CandidateActivations candidate, RunMode mode, TapJudge judge,
        IEnumerable<string>? outputs = null, TapSelection? selection = null) =>
        Compare(fixture, candidate, mode, judge, outputs, selection, null);

    /// <param name="judged">taps already judged as they streamed (the rest are looked up in the candidate)</param>
    private static ModeResults Compare(Fixture fixture, CandidateActivations candidate, RunMode mode, TapJudge judge,
        IEnumerable<string>? outputs, TapSelection? selection, IReadOnlyDictionary<string, TapResult>? judged)
    {
        TapResult Check(string name, string tower, string reference, Func<Activation?> activation) =>
            selection is null || selection.Includes(name)
                ? Judge(fixture, judge, mode, name, tower, reference, activation())
                : TapResult.NotChecked(name, tower, fixture.Shape(reference));
        // A fixture with raw inputs leads with input.tokens / input.pixels (judged exactly / within 1/255).
        var taps = InputTapJudge.Judge(fixture, candidate, selection)
            .Concat(fixture.Taps.Select(t => judged?.GetValueOrDefault(t.Name)
                ?? Check(t.Name, t.Tower, $"tap.{t.Name}", () => judged is null ? candidate.Tap(t.Name) : null)))
            .ToList();
        var outputResults = (outputs ?? fixture.Outputs)
            .Select(o => Check(o, OutputTower, $"output.{o}", () => candidate.Output(o)))
            .ToList();
        return new ModeResults(mode, taps, outputResults);
    }

    /// <summary>
    /// Runs our model on the fixture's inputs and judges each tap as its module returns it, so that no more than one
    /// activation (and its reference) is held at a time; then the outputs. The candidate activations returned for a
    /// diagnosis re-run the model for a tap when asked (failures only), and hold the outputs.
    /// </summary>
    /// <param name="own">the candidate's own tokens and pixels from the fixture's raw inputs (<see cref="ModelRun.Run"/>)</param>
    /// <param name="sharing">shared by the chained and the isolated run of one verification, in that order: the
    /// isolated run takes over the chained judgements of the shared stages (<see cref="SharedStageJudgements"/>)</param>
    public static (ModeResults Results, CandidateActivations Candidate) RunAndCompare(IDualEncoder model, Fixture fixture,
        RunMode mode, TapJudge judge, TapSelection? selection = null, OwnInputs? own = null, SharedStageJudgements? sharing = null)
    {
        var towers = fixture.Taps.ToDictionary(t => t.Name, t => t.Tower, StringComparer.Ordinal);
        var submitted = new HashSet<string>(StringComparer.Ordinal);
        var produced = new HashSet<string>(StringComparer.Ordinal);
        var takenOver = mode == RunMode.Isolated ? sharing?.ForIsolated(fixture, towers.Keys.ToHashSet(StringComparer.Ordinal), selection) : null;
        if (takenOver is not null)
        {
            // Their first recording was in a skipped stage: a later one does not count, and a diagnosis replays them.
            submitted.UnionWith(sharing!.Taps);
            produced.UnionWith(sharing.Taps);
        }
        var inSharedStage = false;
        RunResult run;
        var judged = takenOver?.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, TapResult>(StringComparer.Ordinal);
        // Taps are judged on worker threads while the model computes on; the first of each name counts.
        using var mapped = MappedFixture.TryOpen(fixture);
        using (var judging = new StreamedJudging(fixture, judge, mode, mapped))
        {
            run = ModelRun.Run(model, fixture, mode, own: own, skipSharedStages: takenOver is not null,
                onStage: (_, shared) => inSharedStage = shared,
                onTap: (name, value) =>
                {
                    if (produced.Add(name) && inSharedStage && mode == RunMode.Chained)
                    {
                        sharing?.Record(name);
                    }
                    if (!towers.TryGetValue(name, out var tower) || selection?.Includes(name) == false || !submitted.Add(name))
                    {
                        return;
                    }
                    judging.Submit(name, tower, value);
                });
            foreach (var (name, result) in judging.Complete())
            {
                judged[name] = result;
            }
        }
        if (mode == RunMode.Chained)
        {
            sharing?.Complete(judged);
        }
        var streamed = CandidateActivations.Lazy(
            name => run.Taps.FirstOrDefault(t => t.Name == name) ?? (produced.Contains(name) ? Replay(model, fixture, mode, name, own) : null),
            name => run.Outputs.GetValueOrDefault(name));
        var results = Compare(fixture, streamed, mode, judge, fixture.Outputs.Where(run.Outputs.ContainsKey), selection, judged);
        return (results, streamed);
    }

    /// <summary>The judgement against the reference and PyTorch's float32 result as the file holds them (float64, and
    /// float32 or float64), or null when either has no view.</summary>
    private static TapResult? JudgeMapped<T>(MappedFixture mapped, TapJudge judge, string name, string tower, long[] shape,
        ReadOnlySpan<T> values, string reference, string float32, IReadOnlyList<double>? noiseRuns) where T : unmanaged
    {
        using var referenceView = mapped.View(reference);
        using var float32View = referenceView?.DType == DType.Float64 ? mapped.View(float32) : null;
        if (referenceView is null || float32View is null)
        {
            return null;
        }
        var referenceValues = MemoryMarshal.Cast<byte, double>(referenceView.Bytes);
        return float32View.DType == DType.Float32
            ? judge.Judge(name, tower, shape, values, referenceValues, MemoryMarshal.Cast<byte, float>(float32View.Bytes), noiseRuns)
            : judge.Judge(name, tower, shape, values, referenceValues, MemoryMarshal.Cast<byte, double>(float32View.Bytes), noiseRuns);
    }

    /// <summary>One tap of a fresh run of the model (the same inputs and mode give the same values).</summary>
    private static Activation? Replay(IDualEncoder model, Fixture fixture, RunMode mode, string tap, OwnInputs? own)
    {
        Activation? found = null;
        ModelRun.Run(model, fixture, mode, own: own, onTap: (name, value) =>
        {
            if (name == tap && found is null)
            {
                using var scope = torch.NewDisposeScope();
                found = ModelRun.ToActivation(name, value.detach());
            }
        });
        return found;
    }

    /// <summary>Isolated, a tap is judged against PyTorch's float32 run of its stage fed the reference input (the
    /// fixture's isolated baseline) where the fixture has one; chained, against PyTorch's chained float32 run.</summary>
    private static TapResult Judge(Fixture fixture, TapJudge judge, RunMode mode, string name, string tower, string reference, Activation? candidate)
    {
        var shape = fixture.Shape(reference);
        if (candidate is null)
        {
            return new TapResult(name, tower, shape, null, double.NaN, double.NaN, double.NaN, null, false, "missing from the candidate");
        }
        return JudgeValues<double>(fixture, judge, mode, name, tower, reference, candidate.Shape, candidate.Values);
    }

    /// <summary>Judges <paramref name="values"/> (float32 or float64); the reference and PyTorch's float32 result are
    /// read into pooled buffers. Safe to call from several threads at once.</summary>
    /// <param name="mapped">the fixture's tensors seen in place, where it has them (else they are read into buffers)</param>
    internal static TapResult JudgeValues<T>(Fixture fixture, TapJudge judge, RunMode mode, string name, string tower, string reference,
        IReadOnlyList<long> candidateShape, ReadOnlySpan<T> values, MappedFixture? mapped = null) where T : unmanaged
    {
        var shape = fixture.Shape(reference);
        if (!candidateShape.SequenceEqual(shape))
        {
            return TapJudge.ShapeMismatch(name, tower, shape, candidateShape);
        }
        var (float32, noiseRuns) = fixture.Baseline(reference, mode == RunMode.Isolated);
        var n = values.Length;
        if (fixture.ElementCount(float32) != n)
        {
            throw new FixtureFormatException(fixture.Path, $"'{float32}' has {fixture.ElementCount(float32)} elements, '{reference}' {n}");
        }
        if (mapped is not null && JudgeMapped(mapped, judge, name, tower, shape, values, reference, float32, noiseRuns) is { } fromMap)
        {
            return fromMap;
        }
        var buffer = ArrayPool<double>.Shared.Rent(2 * n);
        try
        {
            var referenceValues = buffer.AsSpan(0, n);
            var torch32 = buffer.AsSpan(n, n);
            fixture.ReadDoubles(reference, referenceValues);
            fixture.ReadDoubles(float32, torch32);
            return typeof(T) == typeof(float)
                ? judge.Judge(name, tower, shape, MemoryMarshal.Cast<T, float>(values), referenceValues, torch32, noiseRuns)
                : judge.Judge(name, tower, shape, MemoryMarshal.Cast<T, double>(values), referenceValues, torch32, noiseRuns);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }
}
