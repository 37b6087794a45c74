using System.Diagnostics;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Fuzz;

/// <summary>What one fuzz case did: its problem (null when it was refused as bad input or read cleanly), time, allocation.</summary>
public sealed record FuzzOutcome(string? Problem, TimeSpan Elapsed, long Allocated);

/// <summary>
/// One fuzz case, run in process as the tools run a file: the format detector, every tensor's bytes, the conversion
/// pipeline and every converted tensor. The fuzzer and the regression test (which replays every committed finding)
/// share it, so both judge a case the same way: a finding is any exception other than a
/// <see cref="CheckpointFormatException"/>, more than <see cref="HangSeconds"/>, or more than
/// <see cref="AllocationLimit"/> bytes allocated.
/// </summary>
public static class FuzzCase
{
    public const double HangSeconds = 5;

    /// <summary>20 x the input, plus the fixed 64 MiB every read budget allows whatever the file's size.</summary>
    public static long AllocationLimit(long inputLength) => 20 * inputLength + (64L << 20);

    public static FuzzOutcome Run(string path)
    {
        var length = new FileInfo(path).Length;
        var clock = Stopwatch.StartNew();
        // The readers and the pipeline run on this thread only, so this thread's count is the case's.
        var before = GC.GetAllocatedBytesForCurrentThread();
        string? problem = null;
        try
        {
            Convert(path);
        }
        catch (CheckpointFormatException)
        {
        }
        catch (Exception e)
        {
            problem = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var elapsed = clock.Elapsed;
        if (problem is null && elapsed.TotalSeconds > HangSeconds)
        {
            problem = $"hang: {elapsed.TotalSeconds:F1} s";
        }
        if (problem is null && allocated > AllocationLimit(length))
        {
            problem = $"allocation: {allocated} bytes for a {length}-byte input";
        }
        return new FuzzOutcome(problem, elapsed, allocated);
    }

    private static void Convert(string path)
    {
        using var set = FormatDetector.Open(path);
        foreach (var t in set.Tensors)
        {
            t.ReadBytes();
        }
        var result = ConversionPipeline.Run(set, new ConversionOptions(AllowExtra: true));
        foreach (var t in result.Tensors)
        {
            t.ToTensorEntry().ReadBytes();
        }
    }
}
