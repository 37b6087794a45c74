namespace ClipTools.Verifier.Commands;

/// <summary>
/// Progress of a verification on stderr, one step at a time ("[2/4] chained run ..."), redrawn in place and erased
/// when done. Only on a terminal and never with -q or --json, so logs, pipes and tests see nothing of it.
/// </summary>
internal sealed class VerifyProgress : IDisposable
{
    private readonly TextWriter? _output;
    private readonly int _steps;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _step;
    private int _shownWidth;

    private VerifyProgress(TextWriter? output, int steps)
    {
        _output = output;
        _steps = steps;
    }

    /// <param name="enabled">false for -q and --json</param>
    public static VerifyProgress For(TextWriter stderr, bool enabled, int steps) =>
        new(enabled && stderr == Console.Error && !Console.IsErrorRedirected ? stderr : null, steps);

    public void Step(string what)
    {
        if (_output is null)
        {
            return;
        }
        _step++;
        var line = $"[{_step}/{_steps}] {what} ({_clock.Elapsed.TotalSeconds:F0} s)";
        _output.Write("\r" + line.PadRight(_shownWidth));
        _shownWidth = line.Length;
        _output.Flush();
    }

    public void Dispose()
    {
        if (_output is not null && _shownWidth > 0)
        {
            _output.Write("\r" + new string(' ', _shownWidth) + "\r");
            _output.Flush();
        }
    }
}
