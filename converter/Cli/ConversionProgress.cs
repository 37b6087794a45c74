using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Cli;

/// <summary>
/// Progress of a large conversion, counted in tensor bytes produced: a bar redrawn in place on a terminal, a plain
/// line every 10% otherwise. Conversions under <see cref="MinimumBytes"/> take seconds and show nothing.
/// </summary>
public sealed class ConversionProgress : IDisposable
{
    public const long MinimumBytes = 100L << 20;
    private const int BarWidth = 30;

    private readonly long _total;
    private readonly TextWriter? _output;
    private readonly bool _terminal;
    private long _done;
    private int _shownTenths = -1;

    private ConversionProgress(long total, TextWriter? output, bool terminal)
    {
        _total = total;
        _output = output;
        _terminal = terminal;
    }

    /// <param name="output">where to report (stderr, so stdout stays the summary); null reports nothing</param>
    public static ConversionProgress For(long totalBytes, TextWriter? output) =>
        new(totalBytes, totalBytes >= MinimumBytes ? output : null, output == Console.Error && !Console.IsErrorRedirected);

    /// <summary>The same entry, reporting its bytes when the writer reads them.</summary>
    public TensorEntry Track(TensorEntry entry) =>
        _output is null ? entry : new TensorEntry(entry.Name, entry.DType, entry.Shape, new CountedBytes(entry.Bytes, entry.ByteCount, this));

    public void Dispose()
    {
        if (_output is not null && _terminal)
        {
            _output.WriteLine();
        }
    }

    private void Add(long bytes)
    {
        _done += bytes;
        var fraction = _total == 0 ? 1 : (double)_done / _total;
        var megabytes = $"{_done >> 20}/{_total >> 20} MB";
        if (_terminal)
        {
            var filled = (int)(fraction * BarWidth);
            _output!.Write($"\r[{new string('#', filled)}{new string(' ', BarWidth - filled)}] {fraction,4:P0} {megabytes}");
        }
        else if ((int)(fraction * 10) > _shownTenths)
        {
            _shownTenths = (int)(fraction * 10);
            _output!.WriteLine($"converted {fraction:P0} ({megabytes})");
        }
    }

    private sealed class CountedBytes(TensorBytes inner, long length, ConversionProgress progress) : TensorBytes
    {
        public override void CopyTo(Span<byte> destination)
        {
            inner.CopyTo(destination);
            progress.Add(length);
        }

        public override bool HasRanges => inner.HasRanges;

        public override void CopyRange(long start, Span<byte> destination)
        {
            inner.CopyRange(start, destination);
            progress.Add(destination.Length);
        }
    }
}
