namespace ClipTools.Families.Official;

/// <summary>Each field where two configs differ, as <c>field a-value vs b-value</c>.</summary>
public static class ClipConfigDifferences
{
    public static IEnumerable<string> Of(ClipConfig a, ClipConfig b)
    {
        (string Field, object A, object B)[] fields =
        [
            ("vision", a.IsResNet ? "ResNet" : "ViT", b.IsResNet ? "ResNet" : "ViT"),
            ("vision layers", string.Join(",", a.VisionLayers), string.Join(",", b.VisionLayers)),
            ("vision width", a.VisionWidth, b.VisionWidth),
            ("patch", a.VisionPatchSize?.ToString() ?? "-", b.VisionPatchSize?.ToString() ?? "-"),
            ("resolution", a.ImageResolution, b.ImageResolution),
            ("embed", a.EmbedDim, b.EmbedDim),
            ("text width", a.TransformerWidth, b.TransformerWidth),
            ("text heads", a.TransformerHeads, b.TransformerHeads),
            ("text layers", a.TransformerLayers, b.TransformerLayers),
            ("context", a.ContextLength, b.ContextLength),
            ("vocab", a.VocabSize, b.VocabSize),
            ("activation", a.Activation.Name(), b.Activation.Name()),
        ];
        return fields.Where(f => !Equals(f.A.ToString(), f.B.ToString())).Select(f => $"{f.Field} {f.A} vs {f.B}");
    }
}
