using ClipTools.Model;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// Names the likely cause of each mode's first divergence: runs every detector on it and keeps the best-supported
/// finding (ties go to the detector registered first), or "unknown". It only annotates: verdicts never change.
/// </summary>
public sealed class Diagnoser(IReadOnlyList<IFaultDetector> detectors)
{
    /// <summary>Every registered detector (<see cref="KnownDetectors.All"/>).</summary>
    public static Diagnoser Default { get; } = new(KnownDetectors.All);

    public IReadOnlyList<IFaultDetector> Detectors => detectors;

    /// <summary><paramref name="results"/> with its <see cref="ModeResults.Diagnosis"/> set when it failed.</summary>
    /// <param name="model">null when none is available: only the detectors that read activations alone can match</param>
    public ModeResults Annotate(ModeResults results, Fixture fixture, CandidateActivations candidate, IDualEncoder? model, ModelRole role) =>
        results.FirstDivergence is { } failing
            ? results with { Diagnosis = Diagnose(new DiagnosisContext(fixture, results.Mode, failing, candidate, model, role)) }
            : results;

    public FaultDiagnosis Diagnose(DiagnosisContext context)
    {
        if (context.Failing.Tower == InputTapJudge.Tower)
        {
            // An input tap fails before any layer runs: the tokenizer or the preprocessing, and its reason says where.
            var cause = context.Tap == RawInputs.TokensTensor ? Causes.Tokenizer : Causes.Preprocessing;
            return context.Failing.Metrics is null
                ? FaultDiagnosis.Unknown(context.Tap, context.Failing.Reason ?? "not compared")
                : new FaultDiagnosis(cause, context.Tap, context.Failing.Reason ?? "", 1);
        }
        if (context.Candidate is null)
        {
            return FaultDiagnosis.Unknown(context.Tap, context.Failing.Reason ?? "the candidate's values cannot be compared here");
        }
        FaultDiagnosis? best = null;
        var failures = new List<string>();
        foreach (var detector in detectors)
        {
            FaultDiagnosis? finding;
            try
            {
                finding = detector.Examine(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A detector is an annotation: one that breaks on odd input must not take the verdict down with it.
                failures.Add($"{detector.Cause} detector failed: {e.Message.Split('\n')[0]}");
                continue;
            }
            if (finding is not null && (best is null || finding.Support > best.Support))
            {
                best = finding;
            }
        }
        if (best is not null)
        {
            return best;
        }
        var why = context.Model is null
            ? "no detector matched (no model given: only the activation-signature detectors ran; the what-if detectors need the model, clip-verify compare --model)"
            : context.Replay is null
                ? "no detector matched (no stage of the model produces this tap, so nothing could be replayed)"
                : "no detector matched";
        return FaultDiagnosis.Unknown(context.Tap, failures.Count == 0 ? why : $"{why}; {string.Join("; ", failures)}");
    }
}
