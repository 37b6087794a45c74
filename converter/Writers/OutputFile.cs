using System.Runtime.CompilerServices;
using ClipTools.Checkpoints.Formats;

[assembly: InternalsVisibleTo("Converter.Tests")]

namespace ClipTools.Converter.Writers;

/// <summary>
/// Puts an output on disk so that it is either complete and verified or absent: the writer writes a temporary file
/// next to the destination (same directory, so the final rename stays on one file system), which is flushed to
/// disk and, meanwhile, read back with the format's reader and compared tensor by tensor (dtype, shape, checksum of
/// the bytes) with what the writer meant to write, and only when both are done renamed over the destination. On any failure the temporary
/// file is deleted and an existing destination is left as it was; <see cref="TemporaryOutput"/> names, locks and
/// cleans up the temporary (signals, stale ones of killed runs, a second writer of the same output).
/// </summary>
public static class OutputFile
{
    public static OutputSummary Write(string destination, ITensorFileWriter writer, IReadOnlyList<TensorEntry> tensors) =>
        Write(destination, writer, tensors, beforeReadBack: null);

    /// <summary>The same, with a test seam that may change the temporary file before it is read back.</summary>
    internal static OutputSummary Write(string destination, ITensorFileWriter writer, IReadOnlyList<TensorEntry> tensors, Action<string>? beforeReadBack)
    {
        var target = Path.GetFullPath(destination);
        using var temporary = TemporaryOutput.Create(target);
        IReadOnlyList<WrittenTensor> written;
        long length;
        string sha256;
        // The pipeline writes whole 1 MiB blocks at their offsets and hashes them on the way (HashingPipeline), and the
        // disk starts writing them meanwhile (DiskWriteback). Unbuffered; shared with the temporary's lock holder (see
        // TemporaryOutput); the stream itself only fsyncs.
        using (var stream = new FileStream(temporary.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 0))
        {
            var writeback = new DiskWriteback(stream.SafeFileHandle);
            using (var pipeline = new HashingPipeline(stream.SafeFileHandle, writeback.Written))
            {
                written = writer.Write(pipeline, tensors);
                (length, sha256) = pipeline.Complete();
            }
            PhaseTrace.Mark("convert, write, hash");
            // The fsync waits on the disk while the read-back reads the page cache: both before the rename, at once.
            var synced = Task.Run(() => stream.Flush(flushToDisk: true));
            try
            {
                beforeReadBack?.Invoke(temporary.Path);
                Verify(temporary.Path, writer.Format, written, length);
                PhaseTrace.Mark("read-back");
            }
            finally
            {
                // Never close the file under a running fsync. A read-back failure is the one reported; else the fsync's, below.
                try
                {
                    synced.Wait();
                }
                catch (AggregateException)
                {
                }
            }
            synced.GetAwaiter().GetResult();
            PhaseTrace.Mark("fsync (beside the read-back)");
        }
        temporary.MoveToTarget();
        PhaseTrace.Mark("rename");
        return new OutputSummary(target, writer.Format, written, length, sha256);
    }

    /// <summary>
    /// The file has the length written, and its consumer's reader finds exactly the tensors written (names, order,
    /// dtypes, shapes, and bytes by checksum). Every tensor byte is read once; the SHA-256 comes from the write.
    /// </summary>
    private static void Verify(string path, OutputFormat format, IReadOnlyList<WrittenTensor> written, long length)
    {
        var onDisk = new FileInfo(path).Length;
        if (onDisk != length)
        {
            throw new OutputException($"the written {format.Name()} file does not read back: it has {onDisk} bytes where {length} were written");
        }
        IReadOnlyList<WrittenTensor> readBack;
        try
        {
            readBack = OutputReadBack.Read(path, format);
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException)
        {
            throw new OutputException($"the written {format.Name()} file does not read back: {e.Message}", e);
        }
        if (readBack.Count != written.Count)
        {
            throw new OutputException($"the written {format.Name()} file reads back {readBack.Count} tensors, not {written.Count}");
        }
        foreach (var (wrote, read) in written.Zip(readBack))
        {
            if (wrote.DifferenceFrom(read) is { } difference)
            {
                throw new OutputException($"the written {format.Name()} file does not read back as written: {difference}");
            }
        }
    }
}
