using ClipTools.Model;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// What a detector sees of one failure: the fixture, the mode, the first failing tap (or output) of that mode with
/// its verdict, the candidate's values there, the reference's, and, when a model is available, a replay of the stage
/// that produces the tap. Values are read and replays run once, on first use.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly CandidateActivations _candidate;
    private readonly Lazy<double[]?> _candidateValues;
    private readonly Lazy<double[]?> _reference;
    private readonly Lazy<StageReplay?> _replay;
    private readonly Lazy<double[]?> _baseline;

    /// <param name="model">the model (its role says whose weights it holds), or null: only signature detectors apply</param>
    public DiagnosisContext(Fixture fixture, RunMode mode, TapResult failing, CandidateActivations candidate,
        IDualEncoder? model = null, ModelRole role = ModelRole.Candidate)
    {
        Fixture = fixture;
        Mode = mode;
        Failing = failing;
        _candidate = candidate;
        Model = model;
        Role = role;
        _candidateValues = new(() => Compatible((IsOutput ? candidate.Output(Tap) : candidate.Tap(Tap))?.Values));
        _reference = new(() => fixture.Has(ReferenceTensor) ? fixture.ReadDoubles(ReferenceTensor) : null);
        _replay = new(() => model is null ? null : StageReplay.For(model, fixture, Tap));
        _baseline = new(() => Replay?.Run());
    }

    public Fixture Fixture { get; }
    public RunMode Mode { get; }

    /// <summary>The failing tap's (or output's) verdict: its metrics, bound and reason.</summary>
    public TapResult Failing { get; }

    public IDualEncoder? Model { get; }
    public ModelRole Role { get; }

    /// <summary>The failing tap's name (a tap, or an output such as <c>text_features</c>).</summary>
    public string Tap => Failing.Name;

    /// <summary>Whether <see cref="Tap"/> is an output rather than a tap.</summary>
    public bool IsOutput => Failing.Tower == "output";

    /// <summary>The fixture's float64 tensor for the tap: <c>tap.NAME</c> or <c>output.NAME</c>.</summary>
    public string ReferenceTensor => IsOutput ? $"output.{Tap}" : $"tap.{Tap}";

    /// <summary>The tap's float32 noise bound (the ratio rule's largest passing RMS error); NaN when unknown.</summary>
    public double NoiseBound => Failing.Bound;

    /// <summary>The candidate's values at the tap, row-major; null when it lacks the tap or its shape differs.</summary>
    public double[]? Candidate => _candidateValues.Value;

    /// <summary>The float64 reference at the tap, row-major.</summary>
    public double[]? Reference => _reference.Value;

    /// <summary>The candidate's activations (every tap), for signature detectors that look past the failing tap.</summary>
    public CandidateActivations Activations => _candidate;

    /// <summary>A replay of the stage producing the tap on <see cref="Model"/>; null without a model or such a stage.</summary>
    public StageReplay? Replay => _replay.Value;

    /// <summary><see cref="Replay"/> run with the model as it is; null when there is none.</summary>
    public double[]? Baseline => _baseline.Value;

    /// <summary>
    /// How well a replay with an alternative (<paramref name="alternative"/>, the tap's values) explains the failure.
    /// <see cref="ModelRole.Candidate"/>: the model is the port, so the alternative must undo the mistake: before
    /// is the candidate's error against the reference, after the alternative's.
    /// <see cref="ModelRole.Reference"/>: the model is faithful, so the alternative must reproduce the candidate:
    /// before is the plain replay's distance to the candidate, after the alternative's.
    /// Null when something needed is missing.
    /// </summary>
    public AlternativeFit? Fit(double[]? alternative)
    {
        if (alternative is null || Candidate is not { } candidate || Reference is not { } reference || alternative.Length != candidate.Length)
        {
            return null;
        }
        if (Role == ModelRole.Candidate)
        {
            return new AlternativeFit(AlternativeFit.RmsDifference(candidate, reference), AlternativeFit.RmsDifference(alternative, reference));
        }
        return Baseline is { } baseline
            ? new AlternativeFit(AlternativeFit.RmsDifference(baseline, candidate), AlternativeFit.RmsDifference(alternative, candidate))
            : null;
    }

    private double[]? Compatible(double[]? values) =>
        values is not null && Failing.Metrics is { } metrics && values.LongLength == metrics.Count ? values : null;
}
