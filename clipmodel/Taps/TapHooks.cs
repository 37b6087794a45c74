using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Model.Taps;

/// <summary>
/// Records a model's taps with TorchSharp forward hooks, so no forward mentions them: every module named in
/// <see cref="IDualEncoder.TapNames"/> reports its output to a <see cref="TapSink"/>, in execution order. Hooks run
/// when a module is invoked with <c>call</c>, which is how every forward invokes its children.
/// </summary>
public static class TapHooks
{
    /// <summary>Hooks the encoder's taps to record into <paramref name="sink"/>; dispose the result to unhook.</summary>
    public static IDisposable Attach(IDualEncoder encoder, TapSink sink)
    {
        var modules = encoder.Module.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var removers = new List<Action>();
        foreach (var name in encoder.TapNames)
        {
            var module = modules.TryGetValue(name, out var found) && found is nn.Module<Tensor, Tensor> m
                ? m
                : throw new InvalidOperationException($"tap '{name}' is not a single-input module of {encoder.Module.GetName()}");
            var handle = module.register_forward_hook((_, _, output) =>
            {
                sink.Record(name, output);
                return output;
            });
            removers.Add(handle.remove);
        }
        return new Unhook(removers);
    }

    private sealed class Unhook(List<Action> removers) : IDisposable
    {
        public void Dispose()
        {
            removers.ForEach(remove => remove());
            removers.Clear();
        }
    }
}
