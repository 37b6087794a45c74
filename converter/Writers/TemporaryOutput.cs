using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ClipTools.Converter.Writers;

/// <summary>
/// The temporary file an output is written to before its rename: <c>.NAME.clip-tmp-PID-RANDOM</c> in the output's
/// folder, so it is recognisable and on the same file system. The owner holds a shared advisory lock (flock) on it
/// for its whole life, which the kernel drops when the process dies, however it dies. Before writing, every other
/// temporary of the same output is examined: one still locked belongs to a live writer, and the output is refused
/// (one writer per output path); one that can be locked exclusively was left by a killed run and is removed.
/// SIGINT and SIGTERM remove the temporaries of this process and end the line with one message before the process
/// ends as the signal asks.
/// </summary>
public sealed class TemporaryOutput : IDisposable
{
    private const string Marker = ".clip-tmp-";

    private static readonly ConcurrentDictionary<string, byte> Active = new(StringComparer.Ordinal);
    private static readonly Lock SignalLock = new();
    private static List<PosixSignalRegistration>? signals;

    private readonly FileStream holder;

    private TemporaryOutput(string target, string path, FileStream holder)
    {
        Target = target;
        Path = path;
        this.holder = holder;
    }

    public string Target { get; }

    public string Path { get; }

    /// <summary>Creates the temporary of <paramref name="target"/>, after refusing a live writer and sweeping stale ones.</summary>
    public static TemporaryOutput Create(string target)
    {
        RegisterSignals();
        var directory = System.IO.Path.GetDirectoryName(target)!;
        var prefix = $".{System.IO.Path.GetFileName(target)}{Marker}";
        var path = System.IO.Path.Combine(directory, $"{prefix}{Environment.ProcessId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4])}");
        Active[path] = 0;
        FileStream holder;
        try
        {
            // FileShare other than None takes a shared flock: our own writer and read-back open it again beside it.
            holder = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch
        {
            Active.TryRemove(path, out _);
            throw;
        }
        var temporary = new TemporaryOutput(target, path, holder);
        try
        {
            // Ours exists before the others are examined: of two runs started together, at least one sees the other.
            foreach (var other in Directory.EnumerateFiles(directory, prefix + "*").Where(p => p != path))
            {
                SweepOrRefuse(other, target);
            }
        }
        catch
        {
            temporary.Dispose();
            throw;
        }
        return temporary;
    }

    /// <summary>Removes a stale temporary (no process holds its lock) or refuses when its writer is alive.</summary>
    private static void SweepOrRefuse(string other, string target)
    {
        try
        {
            using (new FileStream(other, FileMode.Open, FileAccess.Read, FileShare.None))
            {
                File.Delete(other);
            }
        }
        catch (FileNotFoundException)
        {
            // Its owner finished meanwhile.
        }
        catch (IOException)
        {
            throw new OutputException($"{target}: another run is writing this output now ({System.IO.Path.GetFileName(other)}); one writer per output");
        }
    }

    /// <summary>The temporary becomes the output (the rename keeps our lock on the inode; the name is gone).</summary>
    public void MoveToTarget()
    {
        File.Move(Path, Target, overwrite: true);
        Active.TryRemove(Path, out _);
    }

    public void Dispose()
    {
        if (Active.TryRemove(Path, out _))
        {
            DeleteQuietly(Path);
        }
        holder.Dispose();
    }

    private static void RegisterSignals()
    {
        lock (SignalLock)
        {
            if (signals is not null)
            {
                return;
            }
            signals = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
        }
    }

    // Runs on a signal thread while the writer may still be writing: the unlinked file is freed when the process
    // ends, which the signal's default action does right after (context.Cancel stays false).
    private static void OnSignal(PosixSignalContext context)
    {
        var removed = 0;
        foreach (var path in Active.Keys)
        {
            if (Active.TryRemove(path, out _))
            {
                DeleteQuietly(path);
                removed++;
            }
        }
        var what = context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated";
        // A newline first ends a progress bar drawn in place on the terminal.
        var start = Console.IsErrorRedirected ? "" : Environment.NewLine;
        Console.Error.WriteLine($"{start}{AppDomain.CurrentDomain.FriendlyName}: {what}: {(removed == 0 ? "nothing was written" : "the unfinished output was removed; nothing was written")}");
        Console.Error.Flush();
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
