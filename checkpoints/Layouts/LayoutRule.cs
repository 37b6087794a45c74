namespace ClipTools.Checkpoints.Layouts;

/// <summary>What a rule does to its source tensors to give the official (canonical) tensor.</summary>
public enum RuleKind
{
    /// <summary>Same bytes, another name.</summary>
    Rename,

    /// <summary>A 2-D tensor transposed: <c>[in, out]</c> to <c>[out, in]</c> (Paddle Linear, HF projections).</summary>
    Transpose,

    /// <summary>Sources joined along dim 0 in the order listed (q, k, v into <c>in_proj_*</c>).</summary>
    Concat,

    /// <summary>Each source transposed, then joined along dim 0 (Paddle's <c>[in, out]</c> q, k, v weights).</summary>
    TransposeConcat,

    /// <summary>Same bytes, another shape with the same element count (<c>logit_scale</c> <c>[1]</c> to <c>[]</c>).</summary>
    Reshape,

    /// <summary>
    /// A tensor the layout does not have, whose value is defined: a 0-d int64 zero, made wherever the anchor
    /// source exists (Paddle has no BatchNorm <c>num_batches_tracked</c>).
    /// </summary>
    Synthesize,

    /// <summary>A source that is not a weight (metadata, constant buffers); reported as ignored.</summary>
    Drop,
}

/// <summary>
/// One row of a layout table: the official name template, the source name template(s) it comes from, what is done
/// to the bytes, and why. Placeholders (<see cref="NameTemplate.Placeholders"/>) bind the same values on both sides.
/// </summary>
public sealed class LayoutRule
{
    private LayoutRule(RuleKind kind, string? canonical, IReadOnlyList<string> sources, string why,
        IReadOnlyList<long>? canonicalShape = null, IReadOnlyList<long>? sourceShape = null)
    {
        Kind = kind;
        Canonical = canonical is null ? null : new NameTemplate(canonical);
        Sources = sources.Select(s => new NameTemplate(s)).ToList();
        Why = why;
        CanonicalShape = canonicalShape;
        SourceShape = sourceShape;
        foreach (var source in Sources)
        {
            var unbound = Canonical?.Names.Except(source.Names).ToList();
            if (unbound is { Count: > 0 })
            {
                throw new ArgumentException($"'{canonical}' uses {{{unbound[0]}}}, which '{source}' does not bind");
            }
        }
    }

    public RuleKind Kind { get; }

    /// <summary>The official name; null for <see cref="RuleKind.Drop"/>.</summary>
    public NameTemplate? Canonical { get; }

    /// <summary>
    /// The layout's names: one for most rules, the parts in order for concatenations, the anchor for
    /// <see cref="RuleKind.Synthesize"/>, the dropped name for <see cref="RuleKind.Drop"/>.
    /// </summary>
    public IReadOnlyList<NameTemplate> Sources { get; }

    /// <summary>Where the source comes from in the other framework, in a few words.</summary>
    public string Why { get; }

    /// <summary>For <see cref="RuleKind.Reshape"/>: the official shape and the layout's shape.</summary>
    public IReadOnlyList<long>? CanonicalShape { get; }

    public IReadOnlyList<long>? SourceShape { get; }

    /// <summary>True when the rule is the layout's source of that official tensor (not a drop or anchor).</summary>
    public bool ConsumesSources => Kind is not (RuleKind.Drop or RuleKind.Synthesize);

    public static LayoutRule Rename(string canonical, string source, string why) => new(RuleKind.Rename, canonical, [source], why);

    public static LayoutRule Transpose(string canonical, string source, string why) => new(RuleKind.Transpose, canonical, [source], why);

    public static LayoutRule Concat(string canonical, string[] parts, string why) => new(RuleKind.Concat, canonical, parts, why);

    public static LayoutRule TransposeConcat(string canonical, string[] parts, string why) =>
        new(RuleKind.TransposeConcat, canonical, parts, why);

    public static LayoutRule Reshape(string canonical, long[] canonicalShape, string source, long[] sourceShape, string why) =>
        new(RuleKind.Reshape, canonical, [source], why, canonicalShape, sourceShape);

    public static LayoutRule SynthesizeZero(string canonical, string anchor, string why) => new(RuleKind.Synthesize, canonical, [anchor], why);

    public static LayoutRule Drop(string source, string why) => new(RuleKind.Drop, null, [source], why);

    public override string ToString() =>
        $"{Kind}: {Canonical?.Text ?? "-"} <- {string.Join(" + ", Sources.Select(s => s.Text))}";
}
