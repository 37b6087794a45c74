namespace ClipTools.Converter.Writers;

/// <summary>The formats the converter writes.</summary>
public enum OutputFormat
{
    /// <summary>TorchSharp's <c>Module.save</c> format.</summary>
    Dat,

    Safetensors,

    /// <summary>What <c>paddle.save</c> writes for a state dict: a protocol-4 pickle of numpy arrays.</summary>
    Pdparams,
}

public static class OutputFormats
{
    /// <summary>The format a file name asks for by its extension, or null for an extension this tool does not write.</summary>
    public static OutputFormat? FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".dat" => OutputFormat.Dat,
        ".safetensors" => OutputFormat.Safetensors,
        ".pdparams" => OutputFormat.Pdparams,
        _ => null,
    };

    public static string Name(this OutputFormat format) => format switch
    {
        OutputFormat.Dat => "dat",
        OutputFormat.Safetensors => "safetensors",
        OutputFormat.Pdparams => "pdparams",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
