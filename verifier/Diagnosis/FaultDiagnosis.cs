namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// The likely cause of a mode's first divergence: <see cref="Cause"/> is one of <see cref="Causes"/>, <see cref="Tap"/>
/// the failing tap (or output) it explains, <see cref="Evidence"/> one line a porter can check (e.g. the error before
/// and after the alternative). <see cref="Support"/> in [0, 1] ranks competing findings: the share of the
/// candidate's squared error the cause explains (1 for a decisive signature). Reports show all but the support.
/// </summary>
public sealed record FaultDiagnosis(string Cause, string Tap, string Evidence, double Support)
{
    /// <summary>A failure no detector recognised.</summary>
    public static FaultDiagnosis Unknown(string tap, string evidence) => new(Causes.Unknown, tap, evidence, 0);
}
