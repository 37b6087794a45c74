using System.CommandLine;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Model;

namespace ClipTools.Verifier.Commands;

/// <summary>
/// <c>--act</c> and <c>--meta KEY=VALUE</c>: what a checkpoint's shapes cannot tell, for <see cref="ClipModel.Load"/>
/// (as clip-convert takes them). A malformed <c>--meta</c> is an <see cref="ArgumentException"/> (exit 2).
/// </summary>
internal sealed class ModelLoadOptions
{
    private readonly Option<string?> _act = new("--act") { Description = "quick_gelu or gelu, for a checkpoint that does not say which activation it uses" };
    private readonly Option<string[]> _meta = new(MetaArguments.OptionName) { Description = MetaArguments.Description, Arity = ArgumentArity.ZeroOrMore };

    public ModelLoadOptions() => _act.AcceptOnlyFromAmong("quick_gelu", "gelu");

    public void AddTo(Command command)
    {
        command.Options.Add(_act);
        command.Options.Add(_meta);
    }

    /// <summary>Whether the command line gave <c>--act</c> or <c>--meta</c>.</summary>
    public bool Given(ParseResult parse) => parse.GetValue(_act) is not null || parse.GetValue(_meta) is { Length: > 0 };

    public ClipModelOptions Options(ParseResult parse) =>
        new(Activation: parse.GetValue(_act), Metadata: MetaArguments.Parse(parse.GetValue(_meta)));
}
