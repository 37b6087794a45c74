namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// A square Linear (or projection) weight used transposed, the classic of a port that forgets (or doubles) the
/// transpose between PyTorch's [out, in] and a matmul's [in, out]: the failing stage is replayed with each square
/// 2-D weight transposed, and the one whose transpose makes the error vanish is named.
/// </summary>
public sealed class TransposedLinearDetector : IFaultDetector
{
    public string Cause => Causes.TransposedLinear;

    public FaultDiagnosis? Examine(DiagnosisContext context)
    {
        if (context.Replay is not { } replay)
        {
            return null;
        }
        (string Name, AlternativeFit Fit)? best = null;
        foreach (var name in replay.Parameters)
        {
            if (replay.ShapeOf(name) is not [var rows, var columns] || rows != columns || rows < 2)
            {
                continue;
            }
            if (context.Fit(replay.RunWith(name, w => w.t())) is { } fit && fit.Explains(context.NoiseBound)
                && (best is null || fit.After < best.Value.Fit.After))
            {
                best = (name, fit);
            }
        }
        return best is { } found
            ? new FaultDiagnosis(Cause, context.Tap, $"{found.Name} transposed: {found.Fit}", found.Fit.Support)
            : null;
    }
}
