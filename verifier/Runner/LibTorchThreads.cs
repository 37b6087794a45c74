using System.Runtime.InteropServices;

namespace ClipTools.Verifier.Runner;

/// <summary>
/// libtorch's OpenMP threads (libgomp) spin for a while after each parallel op before they sleep. Verification
/// alternates short libtorch ops with C# metric work, and the spinning threads took a third of the CPU from it, so
/// clip-verify asks for passive waiting (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the user set a policy. libgomp reads
/// the variable once, when libtorch loads, so this must run before the first tensor is made; .NET's
/// <c>Environment.SetEnvironmentVariable</c> does not reach native code on Unix, hence <c>setenv</c>.
/// </summary>
internal static class LibTorchThreads
{
    public const string WaitPolicy = "OMP_WAIT_POLICY";

    public static void WaitPassively()
    {
        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Environment.GetEnvironmentVariable(WaitPolicy) is null)
        {
            _ = SetEnv(WaitPolicy, "PASSIVE", overwrite: 0);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
