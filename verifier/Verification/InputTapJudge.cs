using System.Globalization;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// Judges the first taps of a fixture with raw inputs (docs/judgement.md#input-taps): <c>input.tokens</c> exactly,
/// any id differing fails, naming the text and the position; <c>input.pixels</c> within <see cref="PixelTolerance"/>
/// max abs after normalisation. Both are judged so whatever the rule, and alike in chained and isolated mode.
/// </summary>
public static class InputTapJudge
{
    public const string Tower = "input";

    /// <summary>
    /// Max abs difference allowed in <c>input.pixels</c>: 1/255 after normalisation (docs/preprocessing.md). One 8-bit
    /// level is 1/255/std, about 0.015, so this passes float32 rounding only and fails any pixel off by a level.
    /// </summary>
    public const double PixelTolerance = 1.0 / 255;

    /// <summary>The input taps the fixture has, in order.</summary>
    public static IReadOnlyList<string> Names(Fixture fixture) =>
    [
        .. fixture.Raw?.Texts is null ? Array.Empty<string>() : [RawInputs.TokensTensor],
        .. fixture.Raw?.Images is null ? Array.Empty<string>() : [RawInputs.PixelsTensor],
    ];

    /// <summary>The verdicts on the fixture's input taps (none without raw inputs); taps outside <paramref name="selection"/> are not checked.</summary>
    public static IReadOnlyList<TapResult> Judge(Fixture fixture, CandidateActivations candidate, TapSelection? selection)
    {
        var results = new List<TapResult>();
        foreach (var name in Names(fixture))
        {
            var shape = fixture.Shape(name);
            if (selection is not null && !selection.Includes(name))
            {
                results.Add(TapResult.NotChecked(name, Tower, shape));
                continue;
            }
            results.Add(name == RawInputs.TokensTensor
                ? Tokens(fixture.Raw!.Texts!, shape, fixture.ReadInt64s(name), candidate.Tap(name))
                : Pixels(fixture.Raw!.Images!, shape, fixture.ReadFloats(name), candidate.Tap(name), fixture.Path));
        }
        return results;
    }

    /// <summary>Token ids [T, C] against the reference's: equal, or a failure naming the first differing text and position.</summary>
    public static TapResult Tokens(IReadOnlyList<string> texts, long[] shape, long[] reference, Activation? candidate)
    {
        if (Unusable(RawInputs.TokensTensor, shape, candidate) is { } unusable)
        {
            return unusable;
        }
        var wanted = Array.ConvertAll(reference, id => (double)id);
        var got = candidate!.Values;
        var metrics = TapMetrics.Compute(got, wanted, shape);
        var outcome = TapJudge.CheckTolerance(new Tolerance(0, 0), got, wanted);
        var first = FirstDifference(got, wanted);
        var passed = first < 0;
        string? reason = null;
        if (!passed)
        {
            var context = (int)shape[1];
            var (text, position) = (first / context, first % context);
            var differing = Enumerable.Range(0, texts.Count)
                .Where(t => FirstDifference(got.AsSpan(t * context, context), wanted.AsSpan(t * context, context)) >= 0).ToList();
            reason = Invariant(
                $"{outcome.MismatchCount} of {metrics.Count} ids differ, in {differing.Count} of {texts.Count} texts; first: text {text} {Quote(texts[text])} at position {position}: {Id(got[first])} instead of {reference[first]}");
        }
        return new TapResult(RawInputs.TokensTensor, Tower, shape, metrics, 0, passed ? 0 : double.PositiveInfinity, 0, outcome, passed, reason);
    }

    /// <summary>Pixels [N, 3, R, R] against the reference's: every value within <see cref="PixelTolerance"/>.</summary>
    public static TapResult Pixels(IReadOnlyList<RawImage> images, long[] shape, float[] reference, Activation? candidate, string fixturePath)
    {
        if (Unusable(RawInputs.PixelsTensor, shape, candidate) is { } unusable)
        {
            return unusable;
        }
        var wanted = Array.ConvertAll(reference, v => (double)v);
        if (Array.Exists(wanted, v => !double.IsFinite(v)))
        {
            throw new FixtureFormatException(fixturePath, $"'{RawInputs.PixelsTensor}' holds NaN/Inf");
        }
        var metrics = TapMetrics.Compute(candidate!.Values, wanted, shape);
        var outcome = TapJudge.CheckTolerance(new Tolerance(PixelTolerance, 0), candidate.Values, wanted);
        var passed = !metrics.HasNonFinite && outcome.MismatchCount == 0;
        string? reason = null;
        if (!passed)
        {
            var worst = metrics.Worst;
            var image = (int)worst.Index[0];
            reason = metrics.HasNonFinite
                ? Invariant($"candidate holds {metrics.NonFiniteCount} NaN/Inf values (first at {MultiIndex.Format(worst.Index)})")
                : Invariant(
                    $"{outcome.MismatchCount} of {metrics.Count} values differ by more than 1/255 (max abs {metrics.MaxAbsError:0.000e+0} in image {image} '{images[image].Name}', channel {worst.Index[1]}, row {worst.Index[2]}, column {worst.Index[3]})");
        }
        return new TapResult(RawInputs.PixelsTensor, Tower, shape, metrics, 0, metrics.MaxAbsError / PixelTolerance, PixelTolerance, outcome, passed, reason);
    }

    private static TapResult? Unusable(string name, long[] shape, Activation? candidate) =>
        candidate is null
            ? new TapResult(name, Tower, shape, null, double.NaN, double.NaN, double.NaN, null, false, "missing from the candidate")
            : candidate.Shape.SequenceEqual(shape) ? null : TapJudge.ShapeMismatch(name, Tower, shape, candidate.Shape);

    private static int FirstDifference(ReadOnlySpan<double> got, ReadOnlySpan<double> wanted)
    {
        for (var i = 0; i < got.Length; i++)
        {
            if (got[i] != wanted[i])
            {
                return i;
            }
        }
        return -1;
    }

    private static string Id(double id) => id.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The text in double quotes on one line, shortened past 40 characters.</summary>
    private static string Quote(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Replace("\t", " ", StringComparison.Ordinal);
        var cut = oneLine.Length > 40 && char.IsHighSurrogate(oneLine[39]) ? 39 : 40;
        return "\"" + (oneLine.Length > cut ? oneLine[..cut] + "..." : oneLine) + "\"";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
