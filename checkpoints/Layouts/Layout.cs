namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// A naming scheme for CLIP weights: its table of rules (first match wins, top to bottom) and the signature names
/// that only this layout has, by which <see cref="LayoutDetector"/> recognises it.
/// </summary>
public sealed class Layout(string name, string title, IReadOnlyList<LayoutRule> rules, IReadOnlyList<string> signatures,
    bool uint16IsBFloat16 = false)
{
    /// <summary>Short id, as the summary and <c>--json</c> print it: <c>official</c>, <c>paddle</c>, <c>huggingface</c>.</summary>
    public string Name { get; } = name;

    public string Title { get; } = title;

    public IReadOnlyList<LayoutRule> Rules { get; } = rules;

    public IReadOnlyList<NameTemplate> Signatures { get; } = signatures.Select(s => new NameTemplate(s)).ToList();

    /// <summary>
    /// Paddle keeps bfloat16 arrays as their uint16 bit patterns (numpy has no bfloat16), so a uint16 weight in this
    /// layout is read as bfloat16. CLIP has no uint16 tensor that this could mistake.
    /// </summary>
    public bool UInt16IsBFloat16 { get; } = uint16IsBFloat16;

    /// <summary>The first signature <paramref name="key"/> fits, or null.</summary>
    public NameTemplate? SignatureOf(string key) => Signatures.FirstOrDefault(s => s.Match(key) is not null);

    public override string ToString() => Name;
}
