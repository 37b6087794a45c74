namespace ClipTools.Families.Official;

/// <summary>The nine models OpenAI released, by their official names.</summary>
public static class ClipPresets
{
    public static IReadOnlyDictionary<string, ClipConfig> All { get; } = new Dictionary<string, ClipConfig>
    {
        ["RN50"] = ClipConfig.ResNet(1024, 224, [3, 4, 6, 3], 64, textWidth: 512, textHeads: 8),
        ["RN101"] = ClipConfig.ResNet(512, 224, [3, 4, 23, 3], 64, textWidth: 512, textHeads: 8),
        ["RN50x4"] = ClipConfig.ResNet(640, 288, [4, 6, 10, 6], 80, textWidth: 640, textHeads: 10),
        ["RN50x16"] = ClipConfig.ResNet(768, 384, [6, 8, 18, 8], 96, textWidth: 768, textHeads: 12),
        ["RN50x64"] = ClipConfig.ResNet(1024, 448, [3, 15, 36, 10], 128, textWidth: 1024, textHeads: 16),
        ["ViT-B/32"] = ClipConfig.Vit(512, 224, 12, 768, 32, textWidth: 512, textHeads: 8),
        ["ViT-B/16"] = ClipConfig.Vit(512, 224, 12, 768, 16, textWidth: 512, textHeads: 8),
        ["ViT-L/14"] = ClipConfig.Vit(768, 224, 24, 1024, 14, textWidth: 768, textHeads: 12),
        ["ViT-L/14@336px"] = ClipConfig.Vit(768, 336, 24, 1024, 14, textWidth: 768, textHeads: 12),
    };

    public static ClipConfig Get(string name) =>
        All.TryGetValue(name, out var config)
            ? config
            : throw new KeyNotFoundException($"unknown model '{name}' (known: {string.Join(", ", All.Keys)})");
}
