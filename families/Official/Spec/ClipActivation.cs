namespace ClipTools.Families.Official;

/// <summary>
/// The MLP activation of the transformer blocks. OpenAI trained CLIP with QuickGELU; open_clip's LAION models (same
/// tensor names) use exact, erf-based GELU. Nothing in the weights tells them apart.
/// </summary>
public enum ClipActivation
{
    /// <summary><c>x * sigmoid(1.702 x)</c>, OpenAI's models (Hugging Face <c>hidden_act</c> "quick_gelu").</summary>
    QuickGelu,

    /// <summary><c>0.5 x (1 + erf(x / sqrt 2))</c>, open_clip's LAION models (Hugging Face <c>hidden_act</c> "gelu").</summary>
    Gelu,
}

public static class ClipActivationNames
{
    /// <summary>The names Hugging Face's <c>hidden_act</c> and <c>--act</c> use.</summary>
    public static string Name(this ClipActivation activation) => activation switch
    {
        ClipActivation.QuickGelu => "quick_gelu",
        ClipActivation.Gelu => "gelu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static ClipActivation? Parse(string name) => name switch
    {
        "quick_gelu" => ClipActivation.QuickGelu,
        "gelu" => ClipActivation.Gelu,
        _ => null,
    };
}
