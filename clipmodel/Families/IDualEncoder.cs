using ClipTools.Checkpoints.Families;
using static TorchSharp.torch;

namespace ClipTools.Model;

/// <summary>
/// A CLIP-style model of any family: an image encoder and a text encoder into one embedding space, their logits,
/// and each tower as stages for isolated runs. Activations are tapped by module path (<see cref="Taps.TapHooks"/>).
/// </summary>
public interface IDualEncoder : IDisposable
{
    /// <summary>The config the model was built for.</summary>
    IModelConfig Config { get; }

    /// <summary>The root module: its state dict has exactly the family's canonical names.</summary>
    nn.Module Module { get; }

    /// <summary>Image features, not normalised.</summary>
    /// <param name="image">[N, 3, R, R], normalised as the family's preprocessing does</param>
    /// <returns>[N, E]</returns>
    Tensor EncodeImage(Tensor image);

    /// <summary>Text features, not normalised.</summary>
    /// <param name="text">[T, C] int64 token ids</param>
    /// <returns>[T, E]</returns>
    Tensor EncodeText(Tensor text);

    /// <summary>Cosine similarities scaled by the learned temperature.</summary>
    /// <returns>logits per image [N, T] and per text [T, N]</returns>
    (Tensor PerImage, Tensor PerText) Logits(Tensor image, Tensor text);

    /// <summary>The same from features already computed.</summary>
    (Tensor PerImage, Tensor PerText) LogitsFromFeatures(Tensor imageFeatures, Tensor textFeatures);

    /// <summary>Module paths whose outputs are the taps (docs/taps.md), in any order: hooks record in execution order.</summary>
    IReadOnlyList<string> TapNames { get; }

    /// <summary>The image tower's stages, then the text tower's for <paramref name="text"/>; names are module paths.</summary>
    (IReadOnlyList<Stage> Image, IReadOnlyList<Stage> Text) Stages(Tensor text);
}
