using TorchSharp;
using ClipTools.Model.Taps;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The tutorial CLIP's taps (docs/taps.md): module paths of the seed's model, in execution order, recorded with
/// forward hooks so that no forward mentions them. Activations are recorded as the model holds them, which is
/// already batch first for the user: images [N, ...], texts [T, L, D] (the text layers read that as [S, N, D]).
/// </summary>
public static class TutorialTaps
{
    // Per ViT block. The block's dropout runs twice and is the identity in eval mode: not tapped.
    private static readonly string[] BlockTaps = ["norm1", "attn", "norm2", "mlp.fc1", "mlp.act", "mlp.fc2", ""];

    // Per text layer. Dropouts are identities, ReLU is a function; norm2's output is the layer's, tapped as the layer.
    private static readonly string[] LayerTaps = ["self_attn", "norm1", "linear1", "linear2", ""];

    public static IReadOnlyList<string> ImageTapNames(TutorialClipConfig config) =>
    [
        "image_encoder.patch_embed.proj",
        "image_encoder.dropout",
        .. Repeat("image_encoder.blocks", config.NumLayers, BlockTaps),
        "image_encoder.norm",
    ];

    public static IReadOnlyList<string> TextTapNames(TutorialClipConfig config) =>
    [
        "text_encoder.embeddings",
        "text_encoder.positional_encoding",
        .. Repeat("text_encoder.transformer_encoder.layers", config.TextNumLayers, LayerTaps),
    ];

    /// <summary>Hooks every tap module of <paramref name="model"/> to record into <paramref name="sink"/>; dispose to unhook.</summary>
    public static IDisposable Attach(CLIP model, TapSink sink)
    {
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var unhooks = new List<Action>();
        foreach (var name in ImageTapNames(model.Config).Concat(TextTapNames(model.Config)))
        {
            var module = (nn.Module<Tensor, Tensor>)modules[name];
            var handle = module.register_forward_hook((_, _, output) =>
            {
                sink.Record(name, output);
                return output;
            });
            unhooks.Add(handle.remove);
        }
        return new Unhook(() => unhooks.ForEach(remove => remove()));
    }

    private sealed class Unhook(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }

    private static IEnumerable<string> Repeat(string prefix, int count, string[] taps) =>
        Enumerable.Range(0, count).SelectMany(i => taps.Select(t => t.Length == 0 ? $"{prefix}.{i}" : $"{prefix}.{i}.{t}"));
}
