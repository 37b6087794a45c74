using ClipTools.Checkpoints.Formats;
using ClipTools.Input.Preprocessing;
using ClipTools.Input.Tokenizer;
using ClipTools.Model;
using ClipTools.Testing;
using ClipTools.Verifier.Diagnosis;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Reports;
using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Tests.Cli;
using ClipTools.Verifier.Verification;

namespace ClipTools.Verifier.Tests.RawInputs;

/// <summary>
/// The raw-input fixture (fixtures/tiny/tiny_text.*: two captions and two image files, made by dump_reference.py
/// --texts --images): clip-verify tokenizes and preprocesses them itself, judges input.tokens exactly and
/// input.pixels within 1/255, and runs the model on its own inputs. A faithful pipeline passes; a tokenizer one id
/// off, nearest instead of bicubic resampling, or ImageNet's mean and std fail at the right input tap.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class InputTapTests : IDisposable
{
    private static readonly string FixturePath = RepositoryPaths.Fixture("tiny", "tiny_text.fixture.safetensors");
    private static readonly string ModelPath = RepositoryPaths.Fixture("tiny", "tiny_text.pt");

    private readonly TemporaryDirectory _temp = new();
    private readonly Fixture _fixture = Fixture.Open(FixturePath);

    public void Dispose()
    {
        _fixture.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void TheFixtureCarriesItsRawInputs()
    {
        var raw = Assert.IsType<Fixtures.RawInputs>(_fixture.Raw);
        Assert.Equal(["a photo of a dog.", "Don't panic: 2 caf\u00e9s &amp; a \U0001F415!"], raw.Texts);
        Assert.Equal(77, raw.ContextLength);
        Assert.False(raw.Truncate);
        Assert.Equal(["rgb_wide_1000x120.jpg", "la_200x150.png"], raw.Images!.Select(i => i.Name));
        Assert.Equal(File.ReadAllBytes(RepositoryPaths.Fixture("preprocessing", "images", "la_200x150.png")), raw.Images![1].Bytes);
        // the model ran on them: the fixture's model inputs are the input taps
        Assert.Equal(_fixture.ReadInt64s("input.text"), _fixture.ReadInt64s(Fixtures.RawInputs.TokensTensor));
        Assert.Equal(_fixture.ReadFloats("input.image"), _fixture.ReadFloats(Fixtures.RawInputs.PixelsTensor));
    }

    [Fact]
    public void AFaithfulPipelinePassesEveryTapInBothModes()
    {
        foreach (var mode in Verify(InputPipeline.Official))
        {
            Assert.Equal([Fixtures.RawInputs.TokensTensor, Fixtures.RawInputs.PixelsTensor], mode.Taps.Take(2).Select(t => t.Name));
            Assert.All(mode.Taps.Take(2), t => Assert.Equal(InputTapJudge.Tower, t.Tower));
            Assert.True(mode.Passed, string.Join("\n", mode.All.Where(t => !t.Passed).Select(t => $"{t.Name}: {t.Reason}")));
            Assert.Equal(0, mode.Taps[0].Metrics!.MaxAbsError);
        }
    }

    [Fact]
    public void ATokenizerOneIdOffFailsAtInputTokensNamingTheTextAndPosition()
    {
        var offByOne = InputPipeline.Official with
        {
            Tokenize = (text, context) =>
            {
                var ids = ClipTokenizer.Default.Tokenize(text, context, truncate: true);
                if (text.Contains("dog", StringComparison.Ordinal))
                {
                    ids[5] += 1;   // "dog" is the fifth word piece, after the start token
                }
                return ids;
            },
        };
        foreach (var mode in Verify(offByOne))
        {
            var tokens = mode.Taps[0];
            Assert.Same(tokens, mode.FirstDivergence);
            Assert.Equal(Causes.Tokenizer, mode.Diagnosis?.Cause);
            Assert.Contains("1 of 154 ids differ, in 1 of 2 texts; first: text 0 \"a photo of a dog.\" at position 5: 1930 instead of 1929", tokens.Reason);
            Assert.True(mode.Taps[1].Passed);
            // the model ran on the candidate's own ids: the error shows downstream, in the text tower only
            Assert.False(mode.Taps.Single(t => t.Name == "token_embedding").Passed);
            Assert.All(mode.Taps.Where(t => t.Tower == "image"), t => Assert.True(t.Passed, t.Name));
        }
    }

    [Fact]
    public void NearestInsteadOfBicubicFailsAtInputPixels()
    {
        // PIL resizes palette images with NEAREST whatever the filter: calling every image one resamples it so.
        var nearest = InputPipeline.Official with
        {
            Preprocess = (image, size) => ClipPreprocessing.Preprocess(new RgbaImage(image.Width, image.Height, image.Pixels, PilMode.Palette), size),
        };
        AssertPixelsFail(nearest);
    }

    [Fact]
    public void ImageNetMeanAndStdFailAtInputPixels()
    {
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var imageNet = InputPipeline.Official with
        {
            Preprocess = (image, size) =>
            {
                var pixels = ClipPreprocessing.Pixels(image, size);
                var plane = size * size;
                return pixels.Select((v, i) => ((v / 255f) - mean[i / plane]) / std[i / plane]).ToArray();
            },
        };
        AssertPixelsFail(imageNet);
    }

    [Fact]
    public void CompareJudgesADumpOfTheInputTaps()
    {
        var exact = WriteDump("exact.safetensors", tokens => { }, pixels => { });
        Assert.Equal(0, ClipVerify.Run("compare", FixturePath, exact, "--no-color").ExitCode);

        // int32 ids, one off at the second text's fourth position
        var ids = WriteDump("ids.safetensors", tokens => tokens[77 + 4] += 1, pixels => { }, int32Ids: true);
        var directory = _temp.File("ids-report");
        var result = ClipVerify.Run("compare", FixturePath, ids, "--report", directory, "--no-color");
        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        var chained = ReportJson.Read(directory).Mode("chained");
        Assert.Equal(Fixtures.RawInputs.TokensTensor, chained.FirstDivergence);
        Assert.Contains("text 1 \"Don't panic: 2 caf\u00e9s &amp; a \U0001F415!\" at position 4", chained.Tap(Fixtures.RawInputs.TokensTensor).Reason);

        // one value one 8-bit level off (1/255/std > 1/255)
        var level = WriteDump("level.safetensors", tokens => { }, pixels => pixels[100] += 1f / 255 / 0.26862954f);
        directory = _temp.File("level-report");
        Assert.Equal(1, ClipVerify.Run("compare", FixturePath, level, "--report", directory, "--no-color").ExitCode);
        chained = ReportJson.Read(directory).Mode("chained");
        Assert.Equal(Fixtures.RawInputs.PixelsTensor, chained.FirstDivergence);
        Assert.StartsWith("1 of 24576 values differ by more than 1/255", chained.Tap(Fixtures.RawInputs.PixelsTensor).Reason);
        Assert.True(chained.Tap(Fixtures.RawInputs.TokensTensor).Passed);
    }

    [Fact]
    public void EveryReportFormatShowsTheInputTaps()
    {
        var directory = _temp.File("report");
        var result = ClipVerify.Run(ModelPath, FixturePath, "--report", directory, "-v", "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Matches(@"input\.tokens\s+0\.00\s+0\s+0\s+1\s+inf\s+pass", result.Stdout);
        foreach (var file in new[] { ReportWriter.Markdown, ReportWriter.Json, ReportWriter.Csv, ReportWriter.Html, ReportWriter.Svg })
        {
            var text = File.ReadAllText(Path.Combine(directory, file));
            Assert.Contains("input.tokens", text);
            Assert.Contains("input.pixels", text);
        }
        Assert.Equal("input", ReportJson.Read(directory).Mode("isolated").Tap("input.pixels").Tower);
    }

    [Fact]
    public void ASelectionCanLeaveTheInputTapsOut()
    {
        var result = ClipVerify.Run(ModelPath, FixturePath, "--taps", "input.tokens", "--mode", "chained", "-v", "--no-color");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Matches(@"input\.pixels\s.*not checked", result.Stdout);
    }

    private void AssertPixelsFail(InputPipeline pipeline)
    {
        foreach (var mode in Verify(pipeline))
        {
            var pixels = mode.Taps[1];
            Assert.Same(pixels, mode.FirstDivergence);
            Assert.Equal(Causes.Preprocessing, mode.Diagnosis?.Cause);
            Assert.Matches(@"^\d+ of 24576 values differ by more than 1/255 \(max abs .* in image \d '", pixels.Reason);
            Assert.True(mode.Taps[0].Passed);
            Assert.False(mode.Taps.Single(t => t.Name == "visual.conv1").Passed);
        }
    }

    private List<ModeResults> Verify(InputPipeline pipeline)
    {
        using var model = ClipModel.Load(ModelPath);
        var own = pipeline.Run(_fixture);
        var judge = new TapJudge(new Torch32RatioRule());
        return [.. new[] { RunMode.Chained, RunMode.Isolated }.Select(m =>
        {
            // as clip-verify runs it: each tap judged as the model produces it
            var (judged, candidate) = FixtureComparison.RunAndCompare(model, _fixture, m, judge, null, own);
            return Diagnoser.Default.Annotate(judged, _fixture, candidate, model, ModelRole.Candidate);
        })];
    }

    /// <summary>A port's dump of the fixture's own reference (taps, outputs, input taps), with the inputs changed.</summary>
    private string WriteDump(string name, Action<long[]> changeTokens, Action<float[]> changePixels, bool int32Ids = false)
    {
        var tokens = _fixture.ReadInt64s(Fixtures.RawInputs.TokensTensor);
        changeTokens(tokens);
        var pixels = _fixture.ReadFloats(Fixtures.RawInputs.PixelsTensor);
        changePixels(pixels);
        var entries = _fixture.Taps
            .Select(t => ClipVerify.Entry($"tap.{t.Name}", DType.Float64, _fixture.Shape($"tap.{t.Name}"), _fixture.ReadDoubles($"tap.{t.Name}")))
            .Concat(_fixture.Outputs.Select(o => ClipVerify.Entry($"output.{o}", DType.Float64, _fixture.Shape($"output.{o}"), _fixture.ReadDoubles($"output.{o}"))))
            .Append(int32Ids
                ? ClipVerify.Entry(Fixtures.RawInputs.TokensTensor, DType.Int32, _fixture.Shape(Fixtures.RawInputs.TokensTensor), Array.ConvertAll(tokens, id => (int)id))
                : ClipVerify.Entry(Fixtures.RawInputs.TokensTensor, DType.Int64, _fixture.Shape(Fixtures.RawInputs.TokensTensor), tokens))
            .Append(ClipVerify.Entry(Fixtures.RawInputs.PixelsTensor, DType.Float32, _fixture.Shape(Fixtures.RawInputs.PixelsTensor), pixels));
        return ClipVerify.WriteSafetensors(_temp.File(name), entries);
    }
}
