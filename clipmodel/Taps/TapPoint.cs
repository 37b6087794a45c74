using static TorchSharp.torch;

namespace ClipTools.Model.Taps;

/// <summary>A module that reports named activations through its <see cref="TapPoint"/>.</summary>
public interface ITapped
{
    TapPoint Taps { get; }
}

/// <summary>
/// Where a module reports its activations. Tap names are the module's own path plus a child name, so they follow
/// the official state-dict paths without any module knowing where it sits in the tree. Until a sink is attached,
/// tapping costs nothing.
/// </summary>
public sealed class TapPoint
{
    private string _path = "";
    private TapSink? _sink;

    /// <summary>Points every tapped module under <paramref name="root"/> (itself included) at <paramref name="sink"/>; null stops tapping.</summary>
    public static void Attach(nn.Module root, TapSink? sink)
    {
        if (root is ITapped self)
        {
            self.Taps._path = "";
            self.Taps._sink = sink;
        }
        foreach (var (path, module) in root.named_modules())
        {
            if (module is ITapped tapped)
            {
                tapped.Taps._path = path;
                tapped.Taps._sink = sink;
            }
        }
    }

    /// <summary>Records <paramref name="value"/> as the output of the module's child <paramref name="child"/>.</summary>
    public Tensor Child(string child, Tensor value)
    {
        _sink?.Record(_path.Length == 0 ? child : $"{_path}.{child}", value);
        return value;
    }

    /// <summary>Records <paramref name="value"/> as the module's own output.</summary>
    public Tensor Output(Tensor value)
    {
        _sink?.Record(_path, value);
        return value;
    }
}
