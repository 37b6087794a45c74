using System.Text;
using System.Text.RegularExpressions;
using ClipTools.Testing;

namespace ClipTools.Verifier.Tests.Cli;

/// <summary>
/// The README names only commands that exist: every line of its shell code blocks that runs <c>clip-convert</c> or
/// <c>clip-verify</c> parses with the tool's own parser and reaches the subcommand it names; every <c>make</c> target
/// is a target of the Makefile; <c>clip-dump</c> and the tools are what <c>make install</c> installs.
/// </summary>
public sealed partial class ReadmeCommandsTests
{
    private static readonly string Readme = Path.Combine(RepositoryPaths.Root, "README.md");

    public static TheoryData<string> UsageLines()
    {
        var data = new TheoryData<string>();
        foreach (var line in ShellLines(File.ReadAllText(Readme)))
        {
            data.Add(line);
        }
        return data;
    }

    [Fact]
    public void TheReadmeShowsEachToolAndMakeTarget()
    {
        var words = ShellLines(File.ReadAllText(Readme)).Select(l => Words(l)[0]).ToHashSet();
        Assert.Superset(new HashSet<string> { "clip-convert", "clip-verify", "clip-dump", "make", "dotnet" }, words);
    }

    [Theory]
    [MemberData(nameof(UsageLines))]
    public void EveryUsageLineNamesACommandThatExists(string line)
    {
        var words = Words(line);
        switch (words[0])
        {
            case "clip-convert":
                AssertParses(Converter.Program.Cli(TextWriter.Null, TextWriter.Null), words[1..], line);
                break;
            case "clip-verify":
                AssertParses(Program.Cli(TextWriter.Null), words[1..], line);
                break;
            case "clip-run":
                AssertParses(Run.Program.Cli(), words[1..], line);
                break;
            case "make":
                var targets = MakeTargets();
                foreach (var target in words[1..].Where(w => !w.Contains('=')))
                {
                    Assert.True(targets.Contains(target), $"README: `{line}`: the Makefile has no target {target}");
                }
                break;
            case "clip-dump":
                // An installed command: make install writes its wrapper, which runs dump_reference.py.
                var install = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "packaging", "install.sh"));
                Assert.Contains("wrapper clip-dump", install);
                Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "fixtures", "dump_reference.py")));
                break;
            case "dotnet":
                Assert.True(words is [_, "tool", "install", ..], $"README: `{line}`: only dotnet tool install is documented");
                break;
            default:
                Assert.Fail($"README: `{line}` runs {words[0]}, which this test does not know: add it here or fix the README");
                break;
        }
    }

    [Fact]
    public void AMisspelledCommandWouldBeCaught()
    {
        var convert = Converter.Program.Cli(TextWriter.Null, TextWriter.Null);
        Assert.NotNull(Problem(convert, ["inspekt", "RN50.pt"]));
        Assert.NotNull(Problem(convert, ["RN50.pt", "RN50.dat", "--dtyp", "float16"]));
        Assert.NotNull(Problem(Program.Cli(TextWriter.Null), ["compare", "a.safetensors"]));
        Assert.Null(Problem(convert, ["inspect", "RN50.pt"]));
        Assert.DoesNotContain("pak", MakeTargets());
    }

    private static void AssertParses(Converter.Cli.CliConvention cli, string[] args, string line)
    {
        var problem = Problem(cli, args);
        Assert.True(problem is null, $"README: `{line}`: {problem}");
    }

    /// <summary>Why the tool would not run these arguments as the README means them, or null.</summary>
    private static string? Problem(Converter.Cli.CliConvention cli, string[] args)
    {
        var errors = new StringWriter();
        if (cli.Parse(args, errors) is not { } parse)
        {
            return errors.ToString().Trim();
        }
        var named = cli.Root.Subcommands.FirstOrDefault(c => c.Name == args.FirstOrDefault());
        if (parse.CommandResult.Command.Name != (named?.Name ?? cli.DefaultCommand))
        {
            return $"reaches {parse.CommandResult.Command.Name}";
        }
        if (parse.CommandResult.Tokens.FirstOrDefault(t => t.Value.StartsWith('-')) is { } option)
        {
            return $"{option.Value} is not an option of {parse.CommandResult.Command.Name}";
        }
        // The main command's first argument is a path: a bare word there is a misspelled subcommand.
        if (named is null && parse.CommandResult.Tokens.FirstOrDefault() is { } first && !first.Value.Contains('.') && !first.Value.Contains('/'))
        {
            return $"{first.Value} is not a command";
        }
        return null;
    }

    /// <summary>Lines of ```sh blocks, comments and continuation-free, that run a command.</summary>
    private static IEnumerable<string> ShellLines(string markdown)
    {
        var inShell = false;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inShell = !inShell && line.Trim() is "```sh" or "```bash";
                continue;
            }
            var command = StripComment(line).Trim();
            if (inShell && command.Length > 0)
            {
                yield return command;
            }
        }
    }

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }
        return line;
    }

    /// <summary>Shell words: blanks split, single and double quotes group.</summary>
    private static string[] Words(string command)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var quote = '\0';
        var any = false;
        foreach (var c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (any || current.Length > 0)
                {
                    words.Add(current.ToString());
                }
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
            }
        }
        if (any || current.Length > 0)
        {
            words.Add(current.ToString());
        }
        return [.. words];
    }

    private static HashSet<string> MakeTargets() =>
        File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "Makefile"))
            .Select(l => TargetLine().Match(l))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet();

    [GeneratedRegex(@"^([A-Za-z0-9_.\- ]+):(?!=)")]
    private static partial Regex TargetLine();
}
