namespace ClipTools.Checkpoints.Formats;

public enum CheckpointFormat
{
    /// <summary>A zip archive from <c>torch.save</c> (PyTorch 1.6 and later).</summary>
    TorchZip,

    /// <summary>A zip archive from <c>torch.jit.save</c>: a module tree with code.</summary>
    TorchScript,

    /// <summary>The pre-1.6 <c>torch.save</c> stream: magic number, pickles, raw storages.</summary>
    TorchLegacy,

    /// <summary>A pickle of numpy arrays from <c>paddle.save</c> or Paddle 1.x <c>save_dygraph</c>.</summary>
    Paddle,

    Safetensors,

    /// <summary>A zip of <c>.npy</c> arrays from numpy's <c>savez</c>.</summary>
    Npz,

    /// <summary>TorchSharp's <c>Module.save</c> weights (<c>.dat</c>), as clip-convert writes them.</summary>
    TorchSharpDat,
}

public static class CheckpointFormatNames
{
    public static string Name(this CheckpointFormat format) => format switch
    {
        CheckpointFormat.TorchZip => "torch-zip",
        CheckpointFormat.TorchScript => "torchscript",
        CheckpointFormat.TorchLegacy => "torch-legacy",
        CheckpointFormat.Paddle => "paddle",
        CheckpointFormat.Safetensors => "safetensors",
        CheckpointFormat.Npz => "npz",
        CheckpointFormat.TorchSharpDat => "torchsharp-dat",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
