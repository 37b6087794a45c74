using System.Diagnostics;

namespace ClipTools.Fuzz;

/// <summary>
/// Watches the running case from another thread: a case that runs past the hang limit, or whose process allocates
/// past the case's limit, could never be judged after it returns (it may never return, or take the machine's memory
/// first). The watchdog saves it as a finding and ends the process, exit 1.
/// </summary>
internal sealed class Watchdog
{
    private readonly string findings;
    private readonly Lock gate = new();
    private byte[]? bytes;
    private string format = "";
    private string from = "";
    private long startedTicks;
    private long allocatedBefore;

    public Watchdog(string findings)
    {
        this.findings = findings;
        new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" }.Start();
    }

    public void Start(byte[] caseBytes, string caseFormat, string caseFrom)
    {
        lock (gate)
        {
            bytes = caseBytes;
            format = caseFormat;
            from = caseFrom;
            allocatedBefore = GC.GetTotalAllocatedBytes();
            startedTicks = Stopwatch.GetTimestamp();
        }
    }

    public void Stop()
    {
        lock (gate)
        {
            bytes = null;
        }
    }

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(50);
            lock (gate)
            {
                if (bytes is null)
                {
                    continue;
                }
                var elapsed = Stopwatch.GetElapsedTime(startedTicks);
                var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
                // Twice the hang limit: a case just over it is judged by FuzzCase itself when it returns.
                var problem = elapsed.TotalSeconds > 2 * FuzzCase.HangSeconds ? $"hang: still running after {elapsed.TotalSeconds:F0} s"
                    : allocated > 2 * FuzzCase.AllocationLimit(bytes.Length) ? $"allocation: over {allocated} bytes for a {bytes.Length}-byte input, still running"
                    : null;
                if (problem is not null)
                {
                    Program.Save(findings, bytes, format, from, problem);
                    Console.Out.Flush();
                    Environment.Exit(1);
                }
            }
        }
    }
}
