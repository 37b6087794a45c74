using ClipTools.Model.Weights;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Testing;

namespace ClipTools.ClipModel.Tests;

/// <summary>
/// The TorchSharp CLIP, loaded with the tiny fixtures' weights, reproduces PyTorch at every tap: its float32 error
/// against PyTorch's float64 run is at most twice PyTorch's own float32 error there, plus a floor.
/// </summary>
public class ReferenceActivationTests
{
    // Floor: 4 float32 ulps of the activation's RMS. Where PyTorch's float32 result is (nearly) correctly rounded —
    // elementwise taps, short sums, or errors that cancel by chance — its error is ~0.3 ulp, and a different but
    // equally valid summation order legitimately costs a few ulps more; 4 ulps is that allowance, ~5e-7 relative,
    // far below any real bug (a wrong transpose or weight moves a tap by O(1) relative).
    private const double FloorUlps = 4;

    public static TheoryData<string, RunMode> Models => new()
    {
        { "tiny_rn", RunMode.Chained },
        { "tiny_vit", RunMode.Chained },
        { "tiny_rn", RunMode.Isolated },
        { "tiny_vit", RunMode.Isolated },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryTapAndOutputIsWithinTwicePyTorchFloat32Error(string model, RunMode mode)
    {
        using var fixture = Fixture.Open(RepositoryPaths.Fixture("tiny", $"{model}.fixture.safetensors"));
        using var clip = ClipWeights.LoadModel(RepositoryPaths.Fixture("tiny", $"{model}.dat"));
        Assert.Equal(fixture.Config, clip.Config);

        var run = ModelRun.Run(clip, fixture, mode);

        Assert.Equal(fixture.Taps.Select(t => t.Name), run.Taps.Select(t => t.Name));
        var failures = new List<string>();
        foreach (var tap in run.Taps)
        {
            Check(fixture, $"tap.{tap.Name}", $"fp32.tap.{tap.Name}", tap, failures);
        }
        // The seed pair is an end-to-end check: isolated runs have no reference taps to feed it.
        Assert.Equal(fixture.Outputs.Where(o => mode == RunMode.Chained || o != "seed_logit").Order(), run.Outputs.Keys.Order());
        foreach (var (name, output) in run.Outputs)
        {
            Check(fixture, $"output.{name}", $"fp32.output.{name}", output, failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static void Check(Fixture fixture, string reference, string pytorch32, Activation candidate, List<string> failures)
    {
        Assert.Equal(fixture.Shape(reference), candidate.Shape);
        var exact = fixture.ReadDoubles(reference);
        var torchError = Rms(fixture.ReadDoubles(pytorch32), exact);
        var ourError = Rms(candidate.Values, exact);
        var bound = 2 * torchError + FloorUlps * Float32Ulp * RootMeanSquare(exact);
        if (!(ourError <= bound))
        {
            failures.Add($"{candidate.Name}: RMS error {ourError:E3} > bound {bound:E3} (PyTorch fp32 error {torchError:E3})");
        }
    }

    /// <summary>float32 machine epsilon, 2^-23.</summary>
    private const double Float32Ulp = 1.1920928955078125e-7;

    private static double Rms(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return Math.Sqrt(sum / a.Length);
    }

    private static double RootMeanSquare(double[] a) => Math.Sqrt(a.Sum(v => v * v) / a.Length);
}
