using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using ClipTools.Checkpoints.Formats;

[assembly: InternalsVisibleTo("Converter.Tests")]

namespace ClipTools.Converter.Writers;

/// <summary>
/// Puts an output on disk so that it is either complete and verified or absent: the writer writes a temporary file
/// next to the destination (same directory, so the final rename stays on one file system), which is flushed to
/// disk, read back with the format's reader and compared tensor by tensor (dtype, shape, SHA-256 of the bytes)
/// with what the writer meant to write, and only then renamed over the destination. On any failure the temporary
/// file is deleted and an existing destination is left as it was.
/// </summary>
public static class OutputFile
{
    public static OutputSummary Write(string destination, ITensorFileWriter writer, IReadOnlyList<TensorEntry> tensors) =>
        Write(destination, writer, tensors, beforeReadBack: null);

    /// <summary>The same, with a test seam that may change the temporary file before it is read back.</summary>
    internal static OutputSummary Write(string destination, ITensorFileWriter writer, IReadOnlyList<TensorEntry> tensors, Action<string>? beforeReadBack)
    {
        var target = Path.GetFullPath(destination);
        var directory = Path.GetDirectoryName(target)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        try
        {
            IReadOnlyList<WrittenTensor> written;
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                written = writer.Write(stream, tensors);
                stream.Flush(flushToDisk: true);
            }
            beforeReadBack?.Invoke(temporary);
            Verify(temporary, writer.Format, written);
            var (length, sha256) = HashFile(temporary);
            File.Move(temporary, target, overwrite: true);
            return new OutputSummary(target, writer.Format, written, length, sha256);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    // The original failure is what the caller needs to see, not a second one from the clean-up.
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

    private static void Verify(string path, OutputFormat format, IReadOnlyList<WrittenTensor> written)
    {
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

    private static (long Length, string Sha256) HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
