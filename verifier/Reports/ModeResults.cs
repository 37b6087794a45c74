using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Reports;

/// <summary>
/// Every verdict of one run: the taps in execution order (all image taps, then all text taps, as the fixture lists
/// them), then the outputs (image_features, text_features, logits_per_image, logits_per_text; empty when the mode
/// does not produce them).
/// </summary>
public sealed record ModeResults(RunMode Mode, IReadOnlyList<TapResult> Taps, IReadOnlyList<TapResult> Outputs)
{
    public bool Passed => Taps.All(t => t.Passed) && Outputs.All(o => o.Passed);

    /// <summary>
    /// The first diverging layer: the first failing tap in execution order, else the first failing output (an
    /// output can fail only through the steps after the last tap), else null.
    /// </summary>
    public TapResult? FirstDivergence => Taps.FirstOrDefault(t => !t.Passed) ?? Outputs.FirstOrDefault(o => !o.Passed);

    /// <summary>Position of <see cref="FirstDivergence"/> among the taps (0-based), or -1 (none, or an output).</summary>
    public int FirstDivergenceIndex => Taps.ToList().FindIndex(t => !t.Passed);

    public int FailedCount => Taps.Count(t => !t.Passed) + Outputs.Count(o => !o.Passed);

    public IEnumerable<TapResult> All => Taps.Concat(Outputs);

    /// <summary>
    /// The likely cause of <see cref="FirstDivergence"/> (verifier/Diagnosis), set by <see cref="Diagnoser"/> when
    /// the mode failed; null when it passed or was not diagnosed. It annotates, never changes a verdict.
    /// </summary>
    public FaultDiagnosis? Diagnosis { get; init; }
}
