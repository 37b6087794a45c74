using ClipTools.Converter.Cli;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Families.Official;
using ClipTools.Model.Weights;

namespace ClipTools.Verifier.Runner;

/// <summary>
/// Loads the model to verify: a TorchSharp <c>.dat</c> directly, anything else through clip-convert (to a temporary
/// <c>.dat</c>, float32), so a checkpoint can be verified without a separate conversion step.
/// </summary>
public static class ModelLoader
{
    public static Clip Load(string path)
    {
        if (IsDat(path))
        {
            return ClipWeights.LoadModel(path);
        }
        var temporary = Path.Combine(Path.GetTempPath(), $"clip-verify-{Guid.NewGuid():N}.dat");
        try
        {
            ConvertCommand.Convert(path, temporary, new ConversionOptions());
            return ClipWeights.LoadModel(temporary);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // A .dat has no magic number; every format clip-convert reads does, so anything the converter cannot name is
    // taken as a .dat and its own reader says what is wrong with it.
    private static bool IsDat(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[16];
        head = head[..file.Read(head)];
        try
        {
            Checkpoints.Formats.FormatDetector.Detect(head, file.Length);
            return false;
        }
        catch (FormatException)
        {
            return true;
        }
    }
}
