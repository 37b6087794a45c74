namespace ClipTools.Verifier.Verification;

/// <summary>
/// How a verification shares the machine's cores between the model's ops and the judging of their taps: half each,
/// at least one each. Judging a tap costs about what computing it does, and with both at full width they preempted each
/// other: on 2 cores, clip-verify on RN50 spent 0.6 s more CPU and 0.4 s more time.
/// </summary>
internal static class CoreShare
{
    /// <summary>Taps judged at once.</summary>
    public static int Judging { get; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Threads the model's ops use.</summary>
    public static int Model { get; } = Math.Max(1, Environment.ProcessorCount - Judging);
}
