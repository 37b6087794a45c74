using ClipTools.Checkpoints.Formats;

namespace ClipTools.Verifier.Fixtures;

/// <summary>Opens any tensor file the converter reads, with the file's name in every error.</summary>
public static class TensorFile
{
    public static TensorSet Open(string path)
    {
        try
        {
            return FormatDetector.Open(path);
        }
        catch (CheckpointFormatException e)
        {
            throw FixtureFormatException.From(path, e);
        }
    }
}
