namespace ClipTools.Checkpoints.Conversion;

/// <summary>The dtype of the written floats: <c>--dtype float32|float16|keep</c>.</summary>
public enum OutputDType
{
    /// <summary>Every float weight as float32 (the default: what CPU inference needs).</summary>
    Float32,

    Float16,

    /// <summary>Each weight as the checkpoint holds it (the released files mix float16 and float32).</summary>
    Keep,
}

/// <summary>
/// What the user asked for. <see cref="Model"/> is a preset name (<c>RN50</c>, <c>ViT-B/32</c>) to cross-check;
/// <see cref="Activation"/> (<c>--act quick_gelu|gelu</c>) and <see cref="Metadata"/> (<c>--meta KEY=VALUE</c>, any key
/// of the family's <see cref="Families.IFamilySpec.MetadataKeys"/>) say what the shapes cannot.
/// </summary>
public sealed record ConversionOptions(string? Model = null, bool AllowExtra = false, OutputDType DType = OutputDType.Float32,
    string? Activation = null, IReadOnlyDictionary<string, string>? Metadata = null)
{
    public static OutputDType ParseDType(string text) => text switch
    {
        "float32" => OutputDType.Float32,
        "float16" => OutputDType.Float16,
        "keep" => OutputDType.Keep,
        _ => throw new ArgumentException($"unknown dtype '{text}' (float32, float16 or keep)"),
    };
}
