using System.Buffers.Binary;
using System.Text;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Writes pickle protocol 4 opcodes to a stream, framed the way CPython's C pickler frames them, so a caller that
/// makes the same calls CPython's <c>save()</c> makes gets the same bytes. Opcodes collect in a frame buffer; a
/// frame is written out (with a <c>FRAME</c> header when it holds 4 bytes or more) when the next object begins
/// and the frame holds 64 KiB or more. Byte strings of 64 KiB or more bypass the frame and go straight to the stream, so a tensor's bytes are
/// never copied into the frame buffer.
/// </summary>
public sealed class PickleEmitter
{
    private const int FrameSizeTarget = 64 * 1024;
    private const int FrameSizeMin = 4;

    private const byte Proto = 0x80, Frame = 0x95, Stop = (byte)'.', MarkOp = (byte)'(', MemoizeOp = 0x94;
    private const byte BinGet = (byte)'h', LongBinGet = (byte)'j';
    private const byte NoneOp = (byte)'N', NewTrue = 0x88, NewFalse = 0x89;
    private const byte BinInt1 = (byte)'K', BinInt2 = (byte)'M', BinInt = (byte)'J', Long1 = 0x8a;
    private const byte ShortBinUnicode = 0x8c, BinUnicode = (byte)'X', ShortBinBytes = (byte)'C', BinBytes = (byte)'B', BinBytes8 = 0x8e;
    private const byte EmptyTupleOp = (byte)')', Tuple1 = 0x85, Tuple2 = 0x86, Tuple3 = 0x87, TupleOp = (byte)'t';
    private const byte EmptyDictOp = (byte)'}', SetItemOp = (byte)'s', SetItemsOp = (byte)'u';
    private const byte StackGlobalOp = 0x93, ReduceOp = (byte)'R', BuildOp = (byte)'b';

    private static readonly UTF8Encoding Utf8 = new(false, true);

    private readonly Stream output;

    private readonly MemoryStream frame = new();

    private int memoCount;

    public PickleEmitter(Stream output)
    {
        this.output = output;
        output.Write([Proto, 4]);
    }

    /// <summary>
    /// Where CPython's <c>save()</c> starts on an object (any object, nested ones included): the only place a full
    /// frame is written out.
    /// </summary>
    public void BeginObject()
    {
        if (frame.Length >= FrameSizeTarget)
        {
            CommitFrame();
        }
    }

    /// <summary><c>STOP</c>, then the last frame.</summary>
    public void Finish()
    {
        frame.WriteByte(Stop);
        CommitFrame();
        output.Flush();
    }

    /// <summary>Stores the object on top of the stack in the memo; returns its memo index for <see cref="Get"/>.</summary>
    public int Memoize()
    {
        frame.WriteByte(MemoizeOp);
        return memoCount++;
    }

    public void Get(int memoIndex)
    {
        if (memoIndex < 256)
        {
            frame.Write([BinGet, (byte)memoIndex]);
        }
        else
        {
            Op(LongBinGet, (uint)memoIndex);
        }
    }

    public void Mark() => frame.WriteByte(MarkOp);

    public void None() => frame.WriteByte(NoneOp);

    public void Bool(bool value) => frame.WriteByte(value ? NewTrue : NewFalse);

    public void Int(long value)
    {
        if (value is >= 0 and < 256)
        {
            frame.Write([BinInt1, (byte)value]);
        }
        else if (value is >= 0 and < 65536)
        {
            frame.Write([BinInt2, (byte)value, (byte)(value >> 8)]);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            Op(BinInt, (uint)(int)value);
        }
        else
        {
            // LONG1: the shortest little-endian two's complement form.
            var bytes = new System.Numerics.BigInteger(value).ToByteArray();
            frame.Write([Long1, (byte)bytes.Length]);
            frame.Write(bytes);
        }
    }

    /// <summary>A str (not memoized here: the caller memoizes, as CPython does after every string).</summary>
    public void String(string value)
    {
        var bytes = Utf8.GetBytes(value);
        Span<byte> header = stackalloc byte[5];
        var length = bytes.Length <= 0xff ? ShortHeader(header, ShortBinUnicode, bytes.Length) : Header4(header, BinUnicode, bytes.Length);
        Payload(header[..length], bytes);
    }

    /// <summary>
    /// A bytes object; 64 KiB or more goes to the stream directly, outside any frame. (A span is under 2 GiB, so
    /// <c>BINBYTES8</c> is never needed.)
    /// </summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[5];
        var length = value.Length <= 0xff ? ShortHeader(header, ShortBinBytes, value.Length) : Header4(header, BinBytes, value.Length);
        Payload(header[..length], value);
    }

    /// <summary>A tuple of the last <paramref name="count"/> objects (after <see cref="Mark"/> when more than 3).</summary>
    /// <summary>
    /// A bytes object of <paramref name="length"/> bytes that <paramref name="payload"/> writes to the stream it is
    /// given (exactly that many), so large data goes from its source to the output without being held whole.
    /// </summary>
    public void Bytes(long length, Action<Stream> payload)
    {
        Span<byte> header = stackalloc byte[9];
        int size;
        if (length <= 0xff)
        {
            size = ShortHeader(header, ShortBinBytes, (int)length);
        }
        else if (length <= uint.MaxValue)
        {
            header[0] = BinBytes;
            BinaryPrimitives.WriteUInt32LittleEndian(header[1..], (uint)length);
            size = 5;
        }
        else
        {
            header[0] = BinBytes8;
            BinaryPrimitives.WriteUInt64LittleEndian(header[1..], (ulong)length);
            size = 9;
        }
        if (length >= FrameSizeTarget)
        {
            CommitFrame();
            output.Write(header[..size]);
            payload(output);
        }
        else
        {
            frame.Write(header[..size]);
            payload(frame);
        }
    }

    public void Tuple(int count) => frame.WriteByte(count switch
    {
        0 => EmptyTupleOp,
        1 => Tuple1,
        2 => Tuple2,
        3 => Tuple3,
        _ => TupleOp,
    });

    public void EmptyDict() => frame.WriteByte(EmptyDictOp);

    public void SetItem() => frame.WriteByte(SetItemOp);

    public void SetItems() => frame.WriteByte(SetItemsOp);

    public void StackGlobal() => frame.WriteByte(StackGlobalOp);

    public void Reduce() => frame.WriteByte(ReduceOp);

    public void Build() => frame.WriteByte(BuildOp);

    private void Payload(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        if (data.Length >= FrameSizeTarget)
        {
            CommitFrame();
            output.Write(header);
            output.Write(data);
        }
        else
        {
            frame.Write(header);
            frame.Write(data);
        }
    }

    private void CommitFrame()
    {
        if (frame.Length == 0)
        {
            return;
        }
        if (frame.Length >= FrameSizeMin)
        {
            Span<byte> header = stackalloc byte[9];
            header[0] = Frame;
            BinaryPrimitives.WriteUInt64LittleEndian(header[1..], (ulong)frame.Length);
            output.Write(header);
        }
        output.Write(frame.GetBuffer().AsSpan(0, (int)frame.Length));
        frame.SetLength(0);
    }

    private void Op(byte opcode, uint argument)
    {
        Span<byte> bytes = stackalloc byte[5];
        bytes[0] = opcode;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[1..], argument);
        frame.Write(bytes);
    }

    private static int ShortHeader(Span<byte> header, byte opcode, int length)
    {
        header[0] = opcode;
        header[1] = (byte)length;
        return 2;
    }

    private static int Header4(Span<byte> header, byte opcode, int length)
    {
        header[0] = opcode;
        BinaryPrimitives.WriteUInt32LittleEndian(header[1..], (uint)length);
        return 5;
    }
}
