using System.CommandLine;
using ClipTools.Converter.Cli;

namespace ClipTools.Converter;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole CLI with its streams passed in, so tests run it in-process.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("clip-convert: read CLIP checkpoints in PyTorch, TorchScript, Paddle and safetensors formats.");
        root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
        // The convert command (issue 4) is added here when it exists.
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
