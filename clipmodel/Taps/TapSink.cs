using static TorchSharp.torch;

namespace ClipTools.Model.Taps;

/// <summary>
/// Collects named activations, in the order the network produces them (docs/taps.md).
/// Each recorded tensor is a detached copy that outlives the forward pass's dispose scope.
/// </summary>
public sealed class TapSink : IDisposable
{
    private readonly List<(string Name, Tensor Value)> _taps = [];

    public IReadOnlyList<(string Name, Tensor Value)> Taps => _taps;

    internal void Record(string name, Tensor value)
    {
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
