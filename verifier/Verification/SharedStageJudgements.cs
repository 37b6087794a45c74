using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// What the chained run of a verification hands its isolated run: the judgements of the taps recorded in the towers'
/// shared stages (<see cref="ModelRun.SharedStageCount"/>: the ResNet stem, the text embedding and first block). Those
/// stages are fed the same input in both modes, and a fixture stores an isolated baseline (<c>fp32iso.*</c>) only where
/// the modes differ, so their isolated judgements are the chained ones: the isolated run takes them over instead of
/// computing and judging the same values again. Where the fixture does hold another baseline for one of them, nothing
/// is taken over.
/// </summary>
public sealed class SharedStageJudgements
{
    private readonly List<string> _taps = [];
    private IReadOnlyDictionary<string, TapResult>? _chained;

    /// <summary>The taps the chained run recorded first in a shared stage, in order.</summary>
    internal IReadOnlyList<string> Taps => _taps;

    internal void Record(string tap) => _taps.Add(tap);

    /// <summary>The chained run's judgements, once all are in.</summary>
    internal void Complete(IReadOnlyDictionary<string, TapResult> judged) => _chained = judged;

    /// <summary>
    /// The judgements an isolated run takes over, by tap name, or null when it must run the shared stages itself: no
    /// chained run completed, or a selected tap of theirs has an isolated baseline of its own or no chained judgement.
    /// </summary>
    internal IReadOnlyDictionary<string, TapResult>? ForIsolated(Fixture fixture, IReadOnlySet<string> fixtureTaps, TapSelection? selection)
    {
        if (_chained is null)
        {
            return null;
        }
        var taken = new Dictionary<string, TapResult>(StringComparer.Ordinal);
        foreach (var tap in _taps.Where(t => fixtureTaps.Contains(t) && selection?.Includes(t) != false))
        {
            var reference = $"tap.{tap}";
            if (!_chained.TryGetValue(tap, out var result)
                || fixture.Baseline(reference, isolated: true).Float32Tensor != fixture.Baseline(reference, isolated: false).Float32Tensor)
            {
                return null;
            }
            taken[tap] = result;
        }
        return taken;
    }
}
