using System.CommandLine;
using ClipTools.Converter.Cli;

namespace ClipTools.Converter;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("clip-convert IN OUT: convert a CLIP checkpoint (PyTorch, TorchScript, Paddle or safetensors; "
            + "official, Paddle-port or Hugging Face names) to .dat for TorchSharp, .safetensors or .pdparams.");
        ConvertCommand.AddTo(root, stdout, stderr);
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
