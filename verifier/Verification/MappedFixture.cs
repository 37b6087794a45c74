using System.IO.MemoryMappedFiles;
using ClipTools.Checkpoints.Formats;
using ClipTools.Verifier.Fixtures;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// The fixture's plainly stored float32 and float64 tensors seen straight in the file through read-only memory
/// maps, for judging: no copy out of the page cache, no widening pass, no buffer to fault in. Anything else
/// (another dtype, bytes not laid out as one range of the file, a big-endian machine) has no view and is read
/// through <see cref="Fixture.ReadDoubles(string, Span{double})"/> as before. The views hold no more than the
/// tap being judged: each is unmapped when disposed.
/// </summary>
internal sealed class MappedFixture : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly Dictionary<string, (long Offset, long Length, DType DType)> _ranges;

    private MappedFixture(MemoryMappedFile file, Dictionary<string, (long, long, DType)> ranges)
    {
        _file = file;
        _ranges = ranges;
    }

    /// <summary>The views of <paramref name="fixture"/>'s file, or null where it has none to give.</summary>
    public static MappedFixture? TryOpen(Fixture fixture)
    {
        if (!BitConverter.IsLittleEndian)
        {
            return null;
        }
        try
        {
            var fileLength = new FileInfo(fixture.Path).Length;
            var ranges = new Dictionary<string, (long, long, DType)>(StringComparer.Ordinal);
            foreach (var (name, offset, byteCount, dtype) in fixture.PlainFloatRanges())
            {
                if (offset >= 0 && byteCount <= int.MaxValue && offset + byteCount <= fileLength)
                {
                    ranges[name] = (offset, byteCount, dtype);
                }
            }
            return ranges.Count == 0 || fileLength == 0 ? null
                : new MappedFixture(MemoryMappedFile.CreateFromFile(fixture.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read), ranges);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The fixture was read once already: whatever fails here, reading it the ordinary way reports.
            return null;
        }
    }

    /// <summary>A view of <paramref name="tensor"/>'s bytes, or null when it is not a plainly stored float tensor.</summary>
    public TensorView? View(string tensor) =>
        _ranges.TryGetValue(tensor, out var range)
            ? new TensorView(_file.CreateViewAccessor(range.Offset, range.Length, MemoryMappedFileAccess.Read), range.Length, range.DType)
            : null;

    public void Dispose() => _file.Dispose();
}

/// <summary>One tensor's bytes in a read-only map of the fixture file, valid until disposed.</summary>
internal sealed unsafe class TensorView : IDisposable
{
    private readonly MemoryMappedViewAccessor _accessor;
    private readonly byte* _start;
    private readonly int _length;

    public TensorView(MemoryMappedViewAccessor accessor, long length, DType dtype)
    {
        _accessor = accessor;
        _length = checked((int)length);
        DType = dtype;
        byte* pointer = null;
        accessor.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        // The map starts at a page boundary; the tensor PointerOffset bytes into it.
        _start = pointer + accessor.PointerOffset;
    }

    public DType DType { get; }

    public ReadOnlySpan<byte> Bytes => new(_start, _length);

    public void Dispose()
    {
        _accessor.SafeMemoryMappedViewHandle.ReleasePointer();
        _accessor.Dispose();
    }
}
