using static TorchSharp.torch;

namespace ClipTools.Model.Taps;

/// <summary>
/// Collects named activations, in the order the network produces them (docs/taps.md).
/// Each recorded tensor is a detached copy that outlives the forward pass's dispose scope.
/// </summary>
public sealed class TapSink : IDisposable
{
    private readonly List<(string Name, Tensor Value)> _taps = [];
    private readonly Action<string, Tensor>? _onTap;

    /// <summary>A sink that keeps a copy of every tap.</summary>
    public TapSink()
    {
    }

    /// <summary>
    /// A sink that keeps nothing: each tap goes to <paramref name="onTap"/> as its module returns, to be used at once
    /// (the tensor is the module's own output, valid only during the call), so a full-size model's activations are
    /// never all held.
    /// </summary>
    public TapSink(Action<string, Tensor> onTap) => _onTap = onTap;

    public IReadOnlyList<(string Name, Tensor Value)> Taps => _taps;

    internal void Record(string name, Tensor value)
    {
        if (_onTap is not null)
        {
            _onTap(name, value);
            return;
        }
        // A clone, because later in-place ops (residual adds, ReLU) would change what was tapped.
        var copy = value.detach().clone();
        copy.DetachFromDisposeScope();
        _taps.Add((name, copy));
    }

    public void Dispose()
    {
        foreach (var (_, value) in _taps)
        {
            value.Dispose();
        }
        _taps.Clear();
    }
}
