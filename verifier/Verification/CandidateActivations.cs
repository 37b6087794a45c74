using System.Runtime.InteropServices;
using ClipTools.Checkpoints.Formats;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Runner;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// A candidate's activations by name: taps (<c>tap.NAME</c> or plain <c>NAME</c> in a dump) and outputs
/// (<c>output.NAME</c> or <c>NAME</c>). Comes from our own model run or from another port's dump file.
/// </summary>
public sealed class CandidateActivations
{
    private readonly Func<string, Activation?> _tap;
    private readonly Func<string, Activation?> _output;

    private CandidateActivations(Func<string, Activation?> tap, Func<string, Activation?> output)
    {
        _tap = tap;
        _output = output;
    }

    public Activation? Tap(string name) => _tap(name);

    public Activation? Output(string name) => _output(name);

    public static CandidateActivations From(RunResult run)
    {
        var taps = run.Taps.ToDictionary(t => t.Name);
        return new(name => taps.GetValueOrDefault(name), name => run.Outputs.GetValueOrDefault(name));
    }

    /// <summary>Activations produced on demand (each name once, then kept).</summary>
    public static CandidateActivations Lazy(Func<string, Activation?> tap, Func<string, Activation?> output)
    {
        var taps = new Dictionary<string, Activation?>(StringComparer.Ordinal);
        return new(name => taps.TryGetValue(name, out var known) ? known : taps[name] = tap(name), output);
    }

    /// <summary>Another port's dump: a .safetensors or .npz of float arrays (float16, float32 or float64); token ids
    /// (<c>input.tokens</c>) may be int64 or int32.</summary>
    public static CandidateActivations FromDump(TensorSet dump)
    {
        if (dump.Format is not (CheckpointFormat.Safetensors or CheckpointFormat.Npz))
        {
            throw new FormatException($"a candidate dump must be .safetensors or .npz, not {dump.Format.Name()}");
        }
        var entries = dump.Tensors.ToDictionary(t => t.Name);
        Activation? Find(bool ids, params string[] names) =>
            names.Select(n => entries.GetValueOrDefault(n)).FirstOrDefault(e => e is not null) is { } entry ? Read(entry, ids) : null;
        return new(name => Find(name == RawInputs.TokensTensor, $"tap.{name}", name), name => Find(false, $"output.{name}", name));
    }

    private static Activation Read(TensorEntry entry, bool ids)
    {
        var bytes = entry.ReadBytes();
        double[] values = entry.DType switch
        {
            DType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            DType.Float32 => Array.ConvertAll(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), v => (double)v),
            DType.Float16 => Array.ConvertAll(MemoryMarshal.Cast<byte, Half>(bytes).ToArray(), v => (double)v),
            DType.Int64 when ids => Array.ConvertAll(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), v => (double)v),
            DType.Int32 when ids => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), v => (double)v),
            _ => throw new FormatException($"candidate '{entry.Name}' is {entry.DType.Name()}, not {(ids ? "an integer or float" : "a float")} array"),
        };
        return new Activation(entry.Name, [.. entry.Shape], values);
    }
}
