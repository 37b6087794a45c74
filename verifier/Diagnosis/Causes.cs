namespace ClipTools.Verifier.Diagnosis;

/// <summary>
/// The causes a diagnosis can name: the classic CLIP porting mistakes (docs/judgement.md, "Diagnosis"). The ids are
/// the JSON report's contract (<c>"diagnosis": {"cause": ID}</c>): kebab-case, never renamed.
/// </summary>
public static class Causes
{
    /// <summary>erf-GELU where the model uses QuickGELU, or the other way round.</summary>
    public const string GeluVariant = "gelu-variant";

    /// <summary>A LayerNorm epsilon other than the model's (1e-5).</summary>
    public const string LayerNormEps = "layernorm-eps";

    /// <summary>A BatchNorm epsilon other than the model's (1e-5).</summary>
    public const string BatchNormEps = "batchnorm-eps";

    /// <summary>Activations rounded to float16 or bfloat16 (the evidence says which).</summary>
    public const string ReducedPrecision = "reduced-precision";

    /// <summary>Text features pooled at another position than the end-of-text token.</summary>
    public const string EotPooling = "eot-pooling";

    /// <summary>A square Linear (or projection) weight used transposed.</summary>
    public const string TransposedLinear = "transposed-linear";

    /// <summary>The packed in_proj weight and bias split into q, k and v in another order.</summary>
    public const string QkvOrder = "qkv-order";

    /// <summary>The text transformer run without its causal attention mask.</summary>
    public const string CausalMask = "causal-mask";

    /// <summary>Attention logits scaled by something other than 1 / sqrt(head width).</summary>
    public const string AttentionScale = "attention-scale";

    /// <summary>One weight scaled by (1 + e) or shifted by a constant.</summary>
    public const string ScaledOrShiftedWeight = "scaled-or-shifted-weight";

    /// <summary>The candidate's token ids differ from the reference tokenizer's (<c>input.tokens</c> failed).</summary>
    public const string Tokenizer = "tokenizer";

    /// <summary>The candidate's pixels differ from the official preprocessing's (<c>input.pixels</c> failed).</summary>
    public const string Preprocessing = "preprocessing";

    /// <summary>A tap failed and no detector recognised the cause.</summary>
    public const string Unknown = "unknown";

    public static IReadOnlyList<string> All { get; } =
    [
        GeluVariant, LayerNormEps, BatchNormEps, ReducedPrecision, EotPooling, TransposedLinear, QkvOrder, CausalMask,
        AttentionScale, ScaledOrShiftedWeight, Unknown,
    ];
}
