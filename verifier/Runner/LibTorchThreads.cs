using System.Diagnostics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Runner;

/// <summary>
/// How libtorch's OpenMP threads behave while C# judges beside them.
/// <para>
/// They spin for a while after each parallel op before they sleep. Verification alternates short libtorch ops with C#
/// metric work, and the spinning threads took a third of the CPU from it, so clip-verify asks for passive waiting
/// (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the user set a policy. libgomp reads the variable once, when libtorch loads,
/// so this must run before the first tensor is made; .NET's <c>Environment.SetEnvironmentVariable</c> does not reach
/// native code on Unix, hence <c>setenv</c>.
/// </para>
/// <para>
/// And they would take every core for the model while the judging wants its share: <see cref="Limit"/> caps the
/// threads of the ops one thread starts, through that thread's own OpenMP setting, so other threads (tests in the same
/// process) keep theirs.
/// </para>
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

    /// <summary>
    /// Until disposed, the libtorch ops this thread starts use at most <paramref name="threads"/> threads (OpenMP's
    /// <c>omp_set_num_threads</c>, which applies to the calling thread only). Nothing changes where libtorch's OpenMP
    /// runtime is not found among the loaded libraries.
    /// </summary>
    public static IDisposable Limit(int threads)
    {
        // libtorch sets each thread's OpenMP threads once, on its first op: that must come first, or it would undo ours.
        var current = get_num_threads();
        if (threads >= current || OpenMp.Value is not { } omp)
        {
            return new Restore(null, current);
        }
        omp.SetNumThreads(threads);
        return new Restore(omp, current);
    }

    private sealed class Restore(OpenMpRuntime? omp, int threads) : IDisposable
    {
        public void Dispose() => omp?.SetNumThreads(threads);
    }

    private sealed unsafe class OpenMpRuntime(delegate* unmanaged<int, void> setNumThreads)
    {
        public void SetNumThreads(int threads) => setNumThreads(threads);
    }

    /// <summary>The OpenMP runtime libtorch loaded (libgomp under a hashed name in the TorchSharp packages; libomp or
    /// libiomp5 in other builds), or null.</summary>
    private static readonly Lazy<OpenMpRuntime?> OpenMp = new(() =>
    {
        _ = get_num_threads();  // libtorch, and with it its OpenMP runtime, is loaded
        using var process = Process.GetCurrentProcess();
        foreach (ProcessModule module in process.Modules)
        {
            var name = module.ModuleName;
            if ((name.StartsWith("libgomp", StringComparison.Ordinal) || name.StartsWith("libomp", StringComparison.Ordinal)
                    || name.StartsWith("libiomp5", StringComparison.Ordinal))
                && NativeLibrary.TryLoad(module.FileName, out var handle)
                && NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var export))
            {
                unsafe
                {
                    return new OpenMpRuntime((delegate* unmanaged<int, void>)export);
                }
            }
        }
        return null;
    });

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
