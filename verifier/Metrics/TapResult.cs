namespace ClipTools.Verifier.Metrics;

/// <summary>
/// The verdict on one tap (or one output) of one run. <see cref="Metrics"/> is null only when the candidate's shape
/// differs from the reference's (nothing can be compared; the tap fails). <see cref="Ratio"/> is the headline:
/// candidate RMS error / PyTorch float32 RMS error (0 when both are 0, +inf when only PyTorch's is).
/// <see cref="Bound"/> is the ratio rule's RMS bound, reported in either mode; <see cref="Tolerance"/> is set in
/// tolerance mode. <see cref="Reason"/> says why a failing tap failed, in one line.
/// </summary>
public sealed record TapResult(
    string Name,
    string Tower,
    long[] Shape,
    TapMetrics? Metrics,
    double Torch32RmsError,
    double Ratio,
    double Bound,
    ToleranceOutcome? Tolerance,
    bool Passed,
    string? Reason)
{
    /// <summary>The shape the candidate had where it differs from <see cref="Shape"/>, else null.</summary>
    public long[]? CandidateShape { get; init; }

    /// <summary>False for a tap left out of a user's <c>--taps</c> selection: neither passed nor failed, "not checked".</summary>
    public bool Checked { get; init; } = true;

    /// <summary>A tap outside the user's selection: it counts as no failure and is reported "not checked".</summary>
    public static TapResult NotChecked(string name, string tower, IReadOnlyList<long> shape) =>
        new(name, tower, [.. shape], null, double.NaN, double.NaN, double.NaN, null, true, null) { Checked = false };

    /// <summary>The float32 noise estimate the bound rests on; null where nothing was compared.</summary>
    public Float32Noise? Noise { get; init; }
}
