namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// Recognises one porting mistake at a failing tap. A detector must never throw on odd input (a tap it does not
/// know, a missing model, a shape it cannot handle): it returns null when it cannot apply or does not match.
/// Register a detector by adding it to <see cref="KnownDetectors.All"/>.
/// </summary>
public interface IFaultDetector
{
    /// <summary>The cause this detector names (one of <see cref="Causes"/>).</summary>
    string Cause { get; }

    /// <summary>The finding when the failure at <see cref="DiagnosisContext.Failing"/> looks like this cause, else null.</summary>
    FaultDiagnosis? Examine(DiagnosisContext context);
}
