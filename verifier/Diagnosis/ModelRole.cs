namespace ClipTools.Verifier.Diagnosis;

/// <summary>What the model given to a diagnosis is, which decides what a what-if replay is compared with.</summary>
public enum ModelRole
{
    /// <summary>
    /// The model is the candidate being judged (<c>clip-verify MODEL FIXTURE</c>): an alternative that explains the
    /// fault is one that turns the model's replay into the reference (it undoes the mistake).
    /// </summary>
    Candidate,

    /// <summary>
    /// The model holds the reference's (faithful) weights and the candidate is another port's dump
    /// (<c>clip-verify compare --model</c>): an alternative that explains the fault reproduces the candidate.
    /// </summary>
    Reference,
}
