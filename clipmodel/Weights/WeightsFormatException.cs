namespace ClipTools.Model.Weights;

/// <summary>A weights file that cannot be read or does not fit the model: what is wrong and where.</summary>
public sealed class WeightsFormatException(string path, string problem)
    : Exception($"{Path.GetFileName(path)}: {problem}")
{
    public string FilePath { get; } = path;
}
