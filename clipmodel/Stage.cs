using static TorchSharp.torch;

namespace ClipTools.Model;

/// <summary>
/// A piece of a tower that can run on its own: the stem, one block, the head. Verification feeds each stage the
/// reference value of <see cref="InputTap"/> so that a stage's error shows apart from what came before it; a stage
/// without an input tap takes the previous stage's output (the model input, for the first stage).
/// </summary>
public sealed record Stage(string Name, string? InputTap, Func<Tensor, Tensor> Run)
{
    public Stage WithPrefix(string prefix) => this with
    {
        Name = $"{prefix}{Name}",
        InputTap = InputTap is null ? null : $"{prefix}{InputTap}",
    };
}
