namespace ClipTools.Checkpoints.Families;

/// <summary>
/// Keys of the metadata that goes with a state dict into <see cref="IFamilySpec.InferConfig"/>: what the converter
/// knows besides the shapes. Families add their own keys (the official family's <c>activation</c>).
/// </summary>
public static class ModelMetadata
{
    /// <summary>The family's name, as converted weights record it.</summary>
    public const string Family = "family";

    /// <summary>The name of the layout the keys were in (<c>official</c>, <c>paddle</c>, <c>huggingface</c>...).</summary>
    public const string Layout = "layout";

    /// <summary>A TorchScript archive's code classes, qualified names joined by commas.</summary>
    public const string TorchScriptClasses = "torchscript.classes";
}
