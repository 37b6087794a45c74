using ClipTools.Verifier.Metrics;

namespace ClipTools.Verifier.Tests;

/// <summary>
/// The one-pass metrics of a float32 candidate, with PyTorch's float32 error summed in the same pass, must be bit for
/// bit those of the candidate widened beforehand and of separate passes: verdicts may not move by an ulp.
/// </summary>
public sealed class FusedErrorPassTests
{
    public static TheoryData<int, int> Sizes => new() { { 1, 1 }, { 3, 2 }, { 4, 3 }, { 37, 4 }, { 5_000, 5 }, { 16_384, 6 }, { 70_001, 7 }, { 300_003, 8 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AFloat32CandidateIsJudgedAsItsWidenedValues(int n, int seed)
    {
        var (candidate, reference, torch32) = Arrays(n, seed);
        var widened = candidate.Select(v => (double)v).ToArray();
        var judge = new TapJudge(new Torch32RatioRule());
        var fromFloats = judge.Judge("t", "image", [n], candidate.AsSpan(), reference, torch32);
        var fromDoubles = judge.Judge("t", "image", [n], widened.AsSpan(), reference, torch32);

        AssertSameMetrics(fromDoubles.Metrics!, fromFloats.Metrics!);
        Assert.Equal(fromDoubles.Torch32RmsError, fromFloats.Torch32RmsError);
        Assert.Equal(fromDoubles.Passed, fromFloats.Passed);
        var tolerance = new TapJudge(new ToleranceRule(new Tolerance(1e-6, 1e-4)));
        Assert.Equal(tolerance.Judge("t", "image", [n], widened.AsSpan(), reference, torch32).Tolerance,
            tolerance.Judge("t", "image", [n], candidate.AsSpan(), reference, torch32).Tolerance);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SumsAreThoseOfPerLaneNeumaierAndTheFusedFloat32ErrorThatOfItsOwnPass(int n, int seed)
    {
        var (candidate, reference, torch32) = Arrays(n, seed);
        var metrics = TapMetrics.Compute(candidate.Select(v => (double)v).ToArray(), reference, [n]);
        Assert.Equal(LaneNeumaier(Enumerable.Range(0, n).Select(i => Math.Abs(candidate[i] - reference[i]))) / n, metrics.MeanAbsError);
        Assert.Equal(Math.Sqrt(LaneNeumaier(Enumerable.Range(0, n).Select(i => Square(candidate[i] - reference[i]))) / n), metrics.RmsError);

        // A NaN in the candidate ends the vector loop early: the float32 error must still be summed as its own pass would.
        candidate[n / 2] = float.NaN;
        var pass = ErrorPass.Run<float, double>(candidate, reference, torch32, 0, new double[n]);
        Assert.Equal(ErrorPass.SquaredError(torch32, reference).SumSquaredError, pass.Torch32SquaredError);
        Assert.Equal(LaneNeumaier(Enumerable.Range(0, n).Select(i => Square(torch32[i] - reference[i]))), pass.Torch32SquaredError);
        Assert.Equal(n / 2, pass.FirstNonFiniteCandidate);
    }

    [Fact]
    public void TheWorstElementIsTheFirstOfTheLargestErrors()
    {
        var reference = new double[1001];
        var candidate = new float[1001];
        foreach (var i in new[] { 998, 7, 502, 6 })
        {
            candidate[i] = 0.5f;
        }
        var judged = new TapJudge(new Torch32RatioRule()).Judge("t", "image", [1001], candidate.AsSpan(), reference, reference);
        Assert.Equal(6, judged.Metrics!.Worst.FlatIndex);
        Assert.Equal(6, TapMetrics.Compute(candidate.Select(v => (double)v).ToArray(), reference, [1001]).Worst.FlatIndex);
        Assert.Equal(0, TapMetrics.Compute(new double[9], new double[9], [9]).Worst.FlatIndex);
    }

    private static (float[] Candidate, double[] Reference, double[] Torch32) Arrays(int n, int seed)
    {
        var random = new Random(seed);
        // Magnitudes over many decades, exact zeros and repeated values: both of Neumaier's branches, ties in the percentile.
        var reference = Enumerable.Range(0, n).Select(i => i % 11 == 0 ? 0 : (random.NextDouble() - 0.5) * Math.Exp(12 * random.NextDouble() - 6)).ToArray();
        var candidate = reference.Select((r, i) => i % 13 == 0 ? (float)r : (float)(r * (1 + 1e-6 * (random.NextDouble() - 0.5)))).ToArray();
        var torch32 = reference.Select(r => (double)(float)r).ToArray();
        return (candidate, reference, torch32);
    }

    private static double Square(double x) => x * x;

    /// <summary>The sum as four Neumaier accumulators (element i in lane i mod 4) over whole blocks of four, a
    /// scalar Neumaier sum of the rest, the lanes and that added compensated, then the lanes' compensations.</summary>
    private static double LaneNeumaier(IEnumerable<double> terms)
    {
        var values = terms.ToArray();
        var blocks = values.Length / 4 * 4;
        double[] sums = new double[4], compensations = new double[4];
        for (var i = 0; i < blocks; i++)
        {
            (sums[i % 4], compensations[i % 4]) = Neumaier(sums[i % 4], compensations[i % 4], values[i]);
        }
        double tail = 0, tailCompensation = 0;
        for (var i = blocks; i < values.Length; i++)
        {
            (tail, tailCompensation) = Neumaier(tail, tailCompensation, values[i]);
        }
        double total = 0, totalCompensation = 0;
        foreach (var v in sums.Append(tail + tailCompensation))
        {
            (total, totalCompensation) = Neumaier(total, totalCompensation, v);
        }
        return total + totalCompensation + (compensations[0] + compensations[1] + compensations[2] + compensations[3]);
    }

    private static (double Sum, double Compensation) Neumaier(double sum, double compensation, double value)
    {
        var t = sum + value;
        return (t, compensation + (Math.Abs(sum) >= Math.Abs(value) ? (sum - t) + value : (value - t) + sum));
    }

    private static void AssertSameMetrics(TapMetrics expected, TapMetrics actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.MaxAbsError, actual.MaxAbsError);
        Assert.Equal(expected.MeanAbsError, actual.MeanAbsError);
        Assert.Equal(expected.MaxRelativeError, actual.MaxRelativeError);
        Assert.Equal(expected.RmsError, actual.RmsError);
        Assert.Equal(expected.AbsErrorP999, actual.AbsErrorP999);
        Assert.Equal(expected.CosineSimilarity, actual.CosineSimilarity);
        Assert.Equal(expected.SqnrDb, actual.SqnrDb);
        Assert.Equal(expected.ReferenceRms, actual.ReferenceRms);
        Assert.Equal(expected.Worst.FlatIndex, actual.Worst.FlatIndex);
        Assert.Equal(expected.Worst.Candidate, actual.Worst.Candidate);
        Assert.Equal(expected.NonFiniteCount, actual.NonFiniteCount);
    }
}
