using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Starts the disk writes of a file while it is still being written, so the fsync before its rename waits only for
/// the last few MiB instead of the whole file: on Linux, every <see cref="WindowBytes"/> written, the window behind
/// the writer is handed to the disk with <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>, which starts the write-out
/// and does not wait for it. It promises nothing: durability still comes from the fsync alone. Elsewhere, or if the
/// call is refused (a file system without it), it does nothing.
/// </summary>
public sealed class DiskWriteback(SafeFileHandle file)
{
    public const int WindowBytes = 8 << 20;

    private const uint SyncFileRangeWrite = 2;

    private bool enabled = OperatingSystem.IsLinux();
    private long started;

    /// <summary>Told how many bytes of the file are written (in order, from the start); starts whole windows.</summary>
    public void Written(long total)
    {
        if (!enabled || total - started < WindowBytes)
        {
            return;
        }
        var upTo = total - (total % WindowBytes);
        try
        {
            if (SyncFileRange((int)file.DangerousGetHandle(), started, upTo - started, SyncFileRangeWrite) != 0)
            {
                enabled = false;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            enabled = false;
        }
        started = upTo;
    }

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long count, uint flags);
}
