namespace ClipTools.Converter.Tests;

/// <summary>Runs the clip-convert entry point in-process with captured streams.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The contract for bad input: exit 2 and exactly one line on stderr, nothing on stdout's tail.</summary>
    public static Result AssertOneLineError(string path)
    {
        var r = Run("inspect", path);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode} for {Path.GetFileName(path)}: {r.Stderr}");
        Assert.Single(r.StderrLines);
        Assert.StartsWith("clip-convert: error: ", r.Stderr);
        return r;
    }
}
