using System.CommandLine;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Cli;

/// <summary><c>clip-convert inspect FILE</c>: the format, every tensor, the totals and what was ignored.</summary>
public static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "a checkpoint: PyTorch (zip, TorchScript or legacy), Paddle .pdparams or safetensors" };
        var command = new Command("inspect", "List the tensors a checkpoint holds, without converting it.");
        command.Arguments.Add(file);
        command.SetAction(parse => ErrorReporting.Run(stderr, parse.GetValue(file)!.FullName, () => Print(parse.GetValue(file)!.FullName, stdout)));
        return command;
    }

    private static void Print(string path, TextWriter output)
    {
        using var set = FormatDetector.Open(path);
        output.WriteLine($"format: {set.Format.Name()} ({set.Description})");
        if (set.WrapperKey is not null)
        {
            output.WriteLine($"state dict unwrapped from key: {set.WrapperKey}");
        }
        foreach (var (key, value) in set.Metadata)
        {
            output.WriteLine($"metadata: {key} = {value}");
        }
        var width = set.Tensors.Count == 0 ? 4 : set.Tensors.Max(t => t.Name.Length);
        output.WriteLine("tensors:");
        foreach (var t in set.Tensors)
        {
            output.WriteLine($"  {t.Name.PadRight(width)}  {t.DType.Name(),-8}  {t.ShapeText}");
        }
        output.WriteLine($"total: {set.Tensors.Count} tensors, {set.TotalBytes} bytes");
        output.WriteLine($"ignored: {set.Ignored.Count}");
        foreach (var i in set.Ignored)
        {
            output.WriteLine($"  {i.Name}: {i.Reason}");
        }
    }
}
