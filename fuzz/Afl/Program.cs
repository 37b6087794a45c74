using SharpFuzz;

namespace ClipTools.Fuzz.Afl;

/// <summary>
/// The AFL++ target: each input AFL writes is judged by <see cref="FuzzCase"/>, as clip-fuzz judges its own cases.
/// A finding (an exception that is not a typed format error, or an allocation over the case's limit) is thrown out
/// of the target, which AFL saves as a crash; a case over AFL's -t limit is saved as a hang.
/// </summary>
public static class Program
{
    public static void Main()
    {
        var path = Path.Combine(Path.GetTempPath(), $"clip-fuzz-afl-{Environment.ProcessId}");
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using (var file = File.Create(path))
            {
                stream.CopyTo(file);
            }
            // AFL times the case itself (-t); FuzzCase's own hang verdict is left to it.
            if (FuzzCase.Run(path).Problem is { } problem && !problem.StartsWith("hang", StringComparison.Ordinal))
            {
                throw new FuzzFindingException(problem);
            }
        });
    }
}

/// <summary>What the target throws for a finding, so AFL records the input as a crash.</summary>
public sealed class FuzzFindingException(string problem) : Exception(problem);
