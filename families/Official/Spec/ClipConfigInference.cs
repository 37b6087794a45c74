namespace ClipTools.Families.Official;

/// <summary>
/// Infers a <see cref="ClipConfig"/> from state-dict names and shapes alone, the way openai/CLIP's
/// <c>build_model</c> does, so any width, depth or resolution loads (tiny test models included). The activation and
/// the head counts are not in the shapes: the activation is given; a head count not given follows <c>build_model</c>
/// (one per 64 channels).
/// </summary>
public static class ClipConfigInference
{
    public static ClipConfig FromShapes(IReadOnlyDictionary<string, long[]> shapes, ClipActivation activation,
        int? textHeads = null, int? visionHeads = null)
    {
        var config = FromShapesWithDefaultHeads(shapes, activation);
        return config with
        {
            TransformerHeads = textHeads ?? config.TransformerHeads,
            VisionHeads = visionHeads ?? config.VisionHeads,
        };
    }

    private static ClipConfig FromShapesWithDefaultHeads(IReadOnlyDictionary<string, long[]> shapes, ClipActivation activation)
    {
        long[] Shape(string key) =>
            shapes.TryGetValue(key, out var shape) ? shape : throw new FormatException($"not a CLIP state dict: no '{key}'");

        int CountIndices(string prefix) =>
            shapes.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .Select(k => k[prefix.Length..].Split('.')[0])
                .Distinct()
                .Count();

        var embedDim = (int)Shape("text_projection")[1];
        var contextLength = (int)Shape("positional_embedding")[0];
        var vocabSize = (int)Shape("token_embedding.weight")[0];
        var textWidth = (int)Shape("ln_final.weight")[0];
        var textLayers = CountIndices("transformer.resblocks.");
        var textHeads = ClipConfig.DefaultHeads(textWidth);

        if (shapes.ContainsKey("visual.proj"))
        {
            var conv1 = Shape("visual.conv1.weight");            // [width, 3, patch, patch]
            var patch = (int)conv1[^1];
            var grid = (int)Math.Round(Math.Sqrt(Shape("visual.positional_embedding")[0] - 1));
            return ClipConfig.Vit(embedDim, patch * grid, CountIndices("visual.transformer.resblocks."), (int)conv1[0],
                patch, textWidth, textHeads, textLayers, contextLength, vocabSize, activation);
        }

        var layers = Enumerable.Range(1, 4).Select(i => CountIndices($"visual.layer{i}.")).ToArray();
        var width = (int)Shape("visual.layer1.0.conv1.weight")[0];
        var outputGrid = (int)Math.Round(Math.Sqrt(Shape("visual.attnpool.positional_embedding")[0] - 1));
        return ClipConfig.ResNet(embedDim, outputGrid * 32, layers, width, textWidth, textHeads, textLayers,
            contextLength, vocabSize, activation);
    }
}
