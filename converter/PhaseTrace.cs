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
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly TimeSpan AtStart = Enabled ? DateTime.Now - Process.GetCurrentProcess().StartTime : TimeSpan.Zero;
    private static TimeSpan last = TimeSpan.Zero;
    private static TimeSpan lastCpu = TimeSpan.Zero;

    /// <summary>Ends the phase called <paramref name="phase"/> now (the first one ends the runtime's own startup).</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }
        var now = Clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.Error.WriteLine($"trace: {phase,-28} {(now - last).TotalMilliseconds,8:F1} ms wall {(cpu - lastCpu).TotalMilliseconds,8:F1} ms CPU   "
            + $"at {(AtStart + now).TotalMilliseconds,8:F1} ms, {GC.GetTotalAllocatedBytes() >> 20} MiB allocated, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        last = now;
        lastCpu = cpu;
    }
}
