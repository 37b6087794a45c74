using System.Diagnostics;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>Runs a script under /usr/bin/python3 with numpy (Debian's python3-numpy), the way a Paddle user would read a file.</summary>
public static class PythonNumpy
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} is not installed";
        }
        try
        {
            Run("import numpy");
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"{Interpreter} has no numpy ({e.Message.Split('\n')[0]})";
        }
    });

    /// <summary>Why the Python checks cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable => Missing.Value;

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> in sys.argv[1:]; returns stdout.</summary>
    public static string Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"python exited {process.ExitCode}: {stderr.Result}");
        }
        return stdout;
    }
}

/// <summary>A fact that is skipped, with the reason, where /usr/bin/python3 with numpy is not available.</summary>
public sealed class PythonNumpyFactAttribute : FactAttribute
{
    public PythonNumpyFactAttribute()
    {
        if (PythonNumpy.WhyUnavailable is { } why)
        {
            Skip = $"needs {PythonNumpy.Interpreter} with numpy: {why}";
        }
    }
}

/// <summary>A theory that is skipped, with the reason, where /usr/bin/python3 with numpy is not available.</summary>
public sealed class PythonNumpyTheoryAttribute : TheoryAttribute
{
    public PythonNumpyTheoryAttribute()
    {
        if (PythonNumpy.WhyUnavailable is { } why)
        {
            Skip = $"needs {PythonNumpy.Interpreter} with numpy: {why}";
        }
    }
}
