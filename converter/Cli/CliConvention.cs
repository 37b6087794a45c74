using System.CommandLine;
using System.CommandLine.Help;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Cli;

/// <summary>How much a command prints on stdout: the default summary, nothing (<c>-q</c>), everything (<c>-v</c>) or JSON.</summary>
public enum OutputMode
{
    Summary,
    Quiet,
    Verbose,
    Json,
}

/// <summary>
/// The command-line convention both tools share: subcommands only (the tool's main command runs when the first
/// argument names no other, so <c>clip-convert IN OUT</c> is <c>clip-convert convert IN OUT</c>), so each
/// subcommand's <c>--help</c> shows its own usage; <c>--json</c>, <c>-q/--quiet</c> and <c>-v/--verbose</c> on
/// every command; a usage error is one line on stderr with the help to read, and exit 2.
/// </summary>
public sealed class CliConvention
{
    /// <summary>Exit code of a command line that cannot be acted on (the same as bad input).</summary>
    public const int UsageError = 2;

    private static readonly string[] RootOnly = ["-h", "-?", "--help", "--version", "[suggest]"];

    public CliConvention(string tool, string description, string defaultCommand)
    {
        Tool = tool;
        DefaultCommand = defaultCommand;
        // A root named after the tool, not after the running executable (a test host, dotnet), so help and usage
        // lines read the same however the tool is started.
        Root = new Command(tool, description) { new HelpOption(), new VersionOption() };
        Root.Options.Add(Json);
        Root.Options.Add(Quiet);
        Root.Options.Add(Verbose);
        Root.Options.Add(ReadBudgetScale);
    }

    public string Tool { get; }

    public string DefaultCommand { get; }

    public Command Root { get; }

    public Option<bool> Json { get; } = new("--json") { Description = "print the result as JSON on stdout", Recursive = true };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "print nothing but errors (the exit code says how it went)", Recursive = true };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "print everything (clip-verify: the full per-tap tables)", Recursive = true };

    /// <summary><c>--read-budget FACTOR</c> on every command: raises the read budgets of docs/security.md.</summary>
    public Option<double> ReadBudgetScale { get; } = ReadBudgetOption.Create();

    public OutputMode Mode(ParseResult parse) =>
        parse.GetValue(Json) ? OutputMode.Json
        : parse.GetValue(Quiet) ? OutputMode.Quiet
        : parse.GetValue(Verbose) ? OutputMode.Verbose
        : OutputMode.Summary;

    /// <summary>
    /// Parses <paramref name="args"/>; on a usage error prints one line (what is wrong, and which --help to read) and
    /// returns null.
    /// </summary>
    public ParseResult? Parse(IReadOnlyList<string> args, TextWriter stderr)
    {
        var parse = Root.Parse(WithDefaultCommand(args));
        if (parse.Errors.Count == 0)
        {
            if (parse.GetValue(Quiet) && parse.GetValue(Verbose))
            {
                stderr.WriteLine($"{Tool}: error: --quiet and --verbose contradict each other (see '{HelpFor(parse)}')");
                return null;
            }
            ReadBudget.Scale = parse.GetValue(ReadBudgetScale);
            return parse;
        }
        stderr.WriteLine($"{Tool}: error: {OneLine(parse.Errors[0].Message)} (see '{HelpFor(parse)}')");
        return null;
    }

    /// <summary>A usage error found after parsing: one line naming the help to read; returns <see cref="UsageError"/>.</summary>
    public int UsageErrorLine(TextWriter stderr, string message, string? command)
    {
        stderr.WriteLine($"{Tool}: error: {OneLine(message)} (see '{Tool}{(command is null ? "" : " " + command)} --help')");
        return UsageError;
    }

    /// <summary>The arguments with the main command's name put first when they start with no other command.</summary>
    public IReadOnlyList<string> WithDefaultCommand(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || RootOnly.Contains(args[0]) || Root.Subcommands.Any(c => c.Name == args[0] || c.Aliases.Contains(args[0])))
        {
            return args;
        }
        return [DefaultCommand, .. args];
    }

    /// <summary>One line: parsers list choices on indented lines, and some messages span lines.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private string HelpFor(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        return command == Root ? $"{Tool} --help" : $"{Tool} {command.Name} --help";
    }
}
