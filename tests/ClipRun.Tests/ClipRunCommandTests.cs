using System.Text.Json;
using ClipTools.Input.Preprocessing;
using ClipTools.Input.Tokenizer;
using ClipTools.Testing;

namespace ClipTools.Run.Tests;

public sealed class ClipRunCommandTests
{
    private static readonly string TinyModel = RepositoryPaths.Fixture("tiny", "tiny_rn.pt");
    private static readonly string Image = RepositoryPaths.Fixture("preprocessing", "images", "rgb_gradient_640x480.jpg");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TokenizePrintsTheOfficialIds()
    {
        var (code, output, _) = Run("tokenize", "a photo of a cat.");
        Assert.Equal(0, code);
        Assert.StartsWith("49406 320 1125 539 320 2368 269 49407\t(8 of 77)", output);
    }

    [Fact]
    public void TokenizeJsonHasFullRows()
    {
        var (code, output, _) = Run("tokenize", "--json", "--context", "5", "--truncate", "one two three four five");
        Assert.Equal(0, code);
        var rows = JsonDocument.Parse(output).RootElement;
        Assert.Equal(ClipTokenizer.Default.Tokenize("one two three four five", 5, truncate: true), rows[0].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void TooLongWithoutTruncateIsExit2()
    {
        var (code, _, error) = Run("tokenize", "--context", "4", "one two three");
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void ClassifyPrintsAProbabilityTableForEveryLabel()
    {
        var (code, output, error) = Run("classify", TinyModel, "--image", Image, "--labels", "dog", "cat", "red car", "--template", "{}", "--fold-ids");
        Assert.Equal(0, code);
        Assert.Contains("--fold-ids", error);
        var lines = output.Trim().Split('\n');
        Assert.StartsWith("label", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.All(["dog", "cat", "red car"], l => Assert.Contains(lines[1..], line => line.StartsWith(l + " ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ClassifyJsonProbabilitiesAreASoftmaxOfTheLogits()
    {
        var (code, output, _) = Run("classify", TinyModel, "--image", Image, "--labels", "dog", "cat", "--template", "{}", "--fold-ids", "--json");
        Assert.Equal(0, code);
        var results = JsonDocument.Parse(output).RootElement.GetProperty("results").EnumerateArray().ToArray();
        var logits = results.Select(r => r.GetProperty("logit").GetDouble()).ToArray();
        var probabilities = results.Select(r => r.GetProperty("probability").GetDouble()).ToArray();
        var total = logits.Sum(l => Math.Exp(l - logits.Max()));
        for (var i = 0; i < logits.Length; i++)
        {
            Assert.Equal(Math.Exp(logits[i] - logits.Max()) / total, probabilities[i], 1e-9);
        }
        Assert.True(probabilities[0] >= probabilities[1]);
    }

    [Fact]
    public void ClassifyOnTheFullVocabularyModelGivesPyTorchsLogits()
    {
        // tiny_text has CLIP's 49408 ids: real tokens, no --fold-ids. Its raw-input fixture holds PyTorch's float64
        // logits for these very texts and this image file, made by the reference tokenizer and PIL + torchvision.
        string[] texts = ["a photo of a dog.", "Don't panic: 2 caf\u00e9s &amp; a \U0001F415!"];
        var model = RepositoryPaths.Fixture("tiny", "tiny_text.pt");
        var image = RepositoryPaths.Fixture("preprocessing", "images", "rgb_wide_1000x120.jpg");
        var (code, output, error) = Run(["classify", model, "--image", image, "--labels", .. texts, "--template", "{}", "--json"]);
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        var logits = JsonDocument.Parse(output).RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("label").GetString()!, r => r.GetProperty("logit").GetDouble());
        using var fixture = ClipTools.Checkpoints.Formats.FormatDetector.Open(RepositoryPaths.Fixture("tiny", "tiny_text.fixture.safetensors"));
        var reference = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(
            fixture.Tensors.Single(t => t.Name == "output.logits_per_image").ReadBytes()).ToArray();   // [2 images, 2 texts]
        Assert.Equal(reference[0], logits[texts[0]], 1e-4);
        Assert.Equal(reference[1], logits[texts[1]], 1e-4);
    }

    [Fact]
    public void IdsOutsideTheVocabularyAreExit2WithoutFoldIds()
    {
        var (code, output, error) = Run("classify", TinyModel, "--image", Image, "--labels", "dog", "--template", "{}");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("outside the model's vocabulary of 100", error);
    }

    [Fact]
    public void BadInputsAreOneLineAndExit2()
    {
        Assert.Equal(2, Run("classify", TinyModel, "--image", "missing.jpg", "--labels", "a", "--fold-ids").Code);
        Assert.Equal(2, Run("classify", TinyModel, "--image", Image, "--labels", "a", "--template", "no placeholder").Code);
        var notImage = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notImage, "not an image");
            var (code, _, error) = Run("preprocess", notImage, "--out", notImage + ".npy");
            Assert.Equal(2, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.False(File.Exists(notImage + ".npy"));
        }
        finally
        {
            File.Delete(notImage);
        }
    }

    [Fact]
    public void PreprocessWritesTheTensorAsNpy()
    {
        var output = Path.Combine(Path.GetTempPath(), $"clip-run-test-{Guid.NewGuid():N}.npy");
        try
        {
            var (code, _, _) = Run("preprocess", Image, "--out", output, "--size", "33");
            Assert.Equal(0, code);
            var bytes = File.ReadAllBytes(output);
            var headerLength = BitConverter.ToUInt16(bytes, 8);
            var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
            Assert.Contains("'shape': (1, 3, 33, 33)", header);
            Assert.Equal(0, (10 + headerLength) % 64);
            var values = new float[3 * 33 * 33];
            Buffer.BlockCopy(bytes, 10 + headerLength, values, 0, values.Length * 4);
            Assert.Equal(ClipPreprocessing.PreprocessFile(Image, 33), values);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
