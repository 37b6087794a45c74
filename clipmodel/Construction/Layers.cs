using ClipTools.Model.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Model.Construction;

/// <summary>
/// The layers a family's model is built from, randomly initialised as TorchSharp's own constructors initialise
/// them, except inside <see cref="Uninitialised"/>: there every parameter these methods make is left as allocated
/// (<c>torch.empty</c>), because a loader is about to overwrite all of them. Random init of a full-size CLIP costs
/// more than reading its weights (it writes every parameter once more, ~100M uniform draws for RN50).
/// </summary>
public static class Layers
{
    [ThreadStatic]
    private static int _uninitialisedDepth;

    /// <summary>Whether layers built now on this thread get random init.</summary>
    public static bool Initialising => _uninitialisedDepth == 0;

    /// <summary>
    /// Until disposed, layers built on this thread are not initialised. Only for a model whose every parameter is
    /// loaded next (a strict load: <see cref="StrictLoad"/> refuses a checkpoint that misses any).
    /// </summary>
    public static IDisposable Uninitialised()
    {
        _uninitialisedDepth++;
        return new Scope();
    }

    public static Linear Linear(long inFeatures, long outFeatures, bool hasBias = true)
    {
        if (Initialising)
        {
            return nn.Linear(inFeatures, outFeatures, hasBias);
        }
        // Built on the meta device (its init costs nothing there), then given real, uninitialised storage.
        var layer = nn.Linear(inFeatures, outFeatures, hasBias, device: META);
        layer.weight = new Parameter(empty(outFeatures, inFeatures));
        layer.bias = hasBias ? new Parameter(empty(outFeatures)) : null;
        return layer;
    }

    public static Conv2d Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
    {
        if (Initialising)
        {
            return nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias);
        }
        var layer = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias, device: META);
        layer.weight = new Parameter(empty(outChannels, inChannels, kernelSize, kernelSize));
        layer.bias = bias ? new Parameter(empty(outChannels)) : null;
        return layer;
    }

    /// <summary>A lookup table of <paramref name="count"/> rows of <paramref name="width"/>, N(0, 1) as
    /// <c>nn.Embedding</c> initialises it (TorchSharp's own Embedding draws that init natively even on the meta
    /// device, so the table is our own module).</summary>
    public static EmbeddingTable Embedding(long count, long width) =>
        new(Parameter([count, width], () => nn.init.normal_(empty(count, width))));

    /// <summary>A parameter of <paramref name="shape"/>, filled by <paramref name="init"/> unless uninitialised.</summary>
    public static Parameter Parameter(long[] shape, Func<Tensor> init)
    {
        if (!Initialising)
        {
            return new Parameter(empty(shape));
        }
        var value = init();
        if (!value.shape.SequenceEqual(shape))
        {
            throw new ArgumentException($"init gave [{string.Join(", ", value.shape)}], not [{string.Join(", ", shape)}]", nameof(init));
        }
        return new Parameter(value);
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _uninitialisedDepth--;
            }
        }
    }
}
