using System.Diagnostics;

namespace ClipTools.Converter;

/// <summary>
/// Where a conversion's wall time goes, for profiling: with <c>CLIP_CONVERT_TRACE=1</c> in the environment, each
/// phase (startup, reading, conversion and writing, fsync, read-back, rename) prints one line to stderr with its
/// wall milliseconds, the CPU milliseconds of all the process's threads in it (on a shared machine the CPU time is
/// the steadier figure), and the time since the process started. Off, it costs one static check per phase.
/// </summary>
public static class PhaseTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("CLIP_CONVERT_TRACE") == "1";
    private static readonly Stopwatch Clock = new();
    private static TimeSpan atStart;
    private static TimeSpan last;
    private static TimeSpan lastCpu;

    /// <summary>Ends the phase called <paramref name="phase"/> now (the first one is the runtime's own start, up to Main).</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }
        var process = Process.GetCurrentProcess();
        if (!Clock.IsRunning)
        {
            atStart = DateTime.Now - process.StartTime;
            Clock.Start();
        }
        var now = atStart + Clock.Elapsed;
        var cpu = process.TotalProcessorTime;
        Console.Error.WriteLine($"trace: {phase,-28} {(now - last).TotalMilliseconds,8:F1} ms wall {(cpu - lastCpu).TotalMilliseconds,8:F1} ms CPU   "
            + $"at {now.TotalMilliseconds,8:F1} ms, {GC.GetTotalAllocatedBytes() >> 20} MiB allocated, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        // Measured after the line is written, so the tracer's own cost falls outside the phases.
        lastCpu = process.TotalProcessorTime;
        last = atStart + Clock.Elapsed;
    }
}
