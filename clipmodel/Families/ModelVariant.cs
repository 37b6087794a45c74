namespace ClipTools.Model;

/// <summary>
/// A model built with one classic porting mistake on purpose (or several): what the diagnosis's what-if detectors
/// run to see whether the mistake explains a candidate's error. <see cref="Faithful"/> is the model as its family
/// defines it; every other value names the mistake. A family that can build variants implements
/// <see cref="IVariantFamilyModel"/>.
/// </summary>
public sealed record ModelVariant
{
    /// <summary>The model exactly as the family defines it.</summary>
    public static ModelVariant Faithful { get; } = new();

    /// <summary>The MLP activation; null: the config's.</summary>
    public VariantActivation? Activation { get; init; }

    /// <summary>Every LayerNorm's epsilon; null: the family's (1e-5 for CLIP).</summary>
    public double? LayerNormEps { get; init; }

    /// <summary>Every BatchNorm's epsilon; null: the family's (1e-5 for CLIP).</summary>
    public double? BatchNormEps { get; init; }

    /// <summary>Whether the text transformer masks future positions; null: the family's (CLIP's does).</summary>
    public bool? TextCausalMask { get; init; }

    /// <summary>Whether the image transformer masks future positions; null: the family's (CLIP's does not).</summary>
    public bool? ImageCausalMask { get; init; }

    /// <summary>How attention scores are scaled; null: the family's (1/sqrt(head width)).</summary>
    public AttentionScale? AttentionScale { get; init; }

    /// <summary>Which position of the text transformer's output becomes the text features; null: the family's.</summary>
    public TextPooling? TextPooling { get; init; }

    public bool IsFaithful => Equals(Faithful);

    /// <summary>The mistakes in words ("LayerNorm eps 1e-06, no causal mask"), or "faithful".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Activation is { } activation)
        {
            parts.Add(activation switch
            {
                VariantActivation.QuickGelu => "QuickGELU",
                VariantActivation.ErfGelu => "erf GELU",
                VariantActivation.TanhGelu => "tanh GELU",
                _ => activation.ToString(),
            });
        }
        if (LayerNormEps is { } ln)
        {
            parts.Add(FormattableString.Invariant($"LayerNorm eps {ln:g3}"));
        }
        if (BatchNormEps is { } bn)
        {
            parts.Add(FormattableString.Invariant($"BatchNorm eps {bn:g3}"));
        }
        if (TextCausalMask is { } textMask)
        {
            parts.Add(textMask ? "causal text mask" : "no causal text mask");
        }
        if (ImageCausalMask is { } imageMask)
        {
            parts.Add(imageMask ? "causal image mask" : "no causal image mask");
        }
        if (AttentionScale is { } scale)
        {
            parts.Add(scale switch
            {
                Model.AttentionScale.InverseSqrtHeadWidth => "attention scale 1/sqrt(head width)",
                Model.AttentionScale.InverseSqrtWidth => "attention scale 1/sqrt(width)",
                Model.AttentionScale.InverseHeadWidth => "attention scale 1/(head width)",
                Model.AttentionScale.None => "unscaled attention",
                _ => scale.ToString(),
            });
        }
        if (TextPooling is { } pooling)
        {
            parts.Add(pooling switch
            {
                Model.TextPooling.EndOfText => "pooling at the end-of-text token",
                Model.TextPooling.BeforeEndOfText => "pooling one before the end-of-text token",
                Model.TextPooling.AfterEndOfText => "pooling one after the end-of-text token",
                Model.TextPooling.FirstPosition => "pooling at the first position",
                Model.TextPooling.LastPosition => "pooling at the last position",
                _ => pooling.ToString(),
            });
        }
        return parts.Count == 0 ? "faithful" : string.Join(", ", parts);
    }
}

/// <summary>The MLP activations ports confuse.</summary>
public enum VariantActivation
{
    /// <summary>x * sigmoid(1.702 x), OpenAI's.</summary>
    QuickGelu,

    /// <summary>The exact GELU, x * Phi(x) (PyTorch's <c>nn.GELU()</c>).</summary>
    ErfGelu,

    /// <summary>The tanh approximation of GELU (<c>approximate='tanh'</c>, TensorFlow's and JAX's default).</summary>
    TanhGelu,
}

/// <summary>What the attention scores q.k are multiplied by.</summary>
public enum AttentionScale
{
    /// <summary>1/sqrt(head width): the transformer's rule, and CLIP's.</summary>
    InverseSqrtHeadWidth,

    /// <summary>1/sqrt(model width): the head count forgotten.</summary>
    InverseSqrtWidth,

    /// <summary>1/(head width): scaled twice, once on q and once on the scores.</summary>
    InverseHeadWidth,

    /// <summary>Not scaled at all.</summary>
    None,
}

/// <summary>Which position of each text's transformer output is pooled into its features.</summary>
public enum TextPooling
{
    /// <summary>The end-of-text token, found as the largest id of the row (its first occurrence): CLIP's.</summary>
    EndOfText,

    /// <summary>One before the end-of-text token (a length used as an index minus one too many).</summary>
    BeforeEndOfText,

    /// <summary>One after the end-of-text token (a length used as an index), clamped to the last position.</summary>
    AfterEndOfText,

    /// <summary>The first position (the start-of-text token, as a class token would be).</summary>
    FirstPosition,

    /// <summary>The last position of the context, whatever it holds.</summary>
    LastPosition,
}
