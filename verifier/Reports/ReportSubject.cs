namespace ClipTools.Verifier.Reports;

/// <summary>
/// What was verified against what: the candidate (our model file, or another port's dump), the fixture, and
/// optional identity for the head of a report. Hashes are lowercase hex SHA-256 where known; <see cref="ConfigText"/>
/// is the model configuration as text (e.g. the manifest's <c>model</c> JSON).
/// </summary>
public sealed record ReportSubject(
    string CandidateName,
    string FixtureName,
    string? CandidateSha256 = null,
    string? FixtureSha256 = null,
    string? CheckpointSha256 = null,
    string? ConfigText = null,
    string? Producer = null);
