using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// A pickle read from its file with its large byte strings left in the file: one streaming pass over the opcodes
/// copies everything except the payloads of <c>BINBYTES</c>/<c>BINBYTES8</c> of at least <see cref="MinPayload"/>
/// bytes, each replaced by a short placeholder (<c>SHORT_BINBYTES</c> of a random per-read nonce and the payload's
/// index), and drops <c>FRAME</c> opcodes (a framing hint, no value). The result is a small pickle that
/// <see cref="PickleScanner"/> and the unpickler check and load as before, while each numpy array's data is a file
/// range (<see cref="TryPayload"/>), so a <c>.pdparams</c> is never whole in memory.
/// </summary>
/// <remarks>
/// The pass only copies: it checks nothing beyond what it must to step over an opcode. Anything it cannot step over
/// (an unknown opcode, a negative or overlong length, a FRAME that runs past the end, a file that ends without STOP)
/// makes it copy the rest of the file verbatim, so the scanner reports the same error, at the same place, as it does
/// on the whole file. The nonce cannot be guessed by the file, so no byte string of the file passes for a placeholder.
/// </remarks>
public sealed class PickleSkeleton
{
    /// <summary>Payloads this large or larger stay in the file; smaller ones (and everything else) are copied.</summary>
    public const int MinPayload = 4096;

    private const int NonceBytes = 16;
    private const int PlaceholderBytes = NonceBytes + 8;
    private const int ReadBlock = 1 << 16;

    private readonly byte[] nonce = RandomNumberGenerator.GetBytes(NonceBytes);
    private readonly List<(long Offset, long Length)> payloads = [];

    // (skeleton offset, file offset) where the copied bytes start lining up again, in increasing order.
    private readonly List<(long Skeleton, long File)> segments = [(0, 0)];

    private PickleSkeleton()
    {
    }

    /// <summary>The pickle with placeholders; it ends at the file's STOP (or, where the pass stopped, the file's end).</summary>
    public byte[] Pickle { get; private set; } = [];

    /// <summary>How many payloads were left in the file.</summary>
    public int PayloadCount => payloads.Count;

    /// <summary>Reads the pickle of <paramref name="file"/> from its first byte, charging what it keeps to the file's budget.</summary>
    public static PickleSkeleton Read(CheckpointFile file)
    {
        var skeleton = new PickleSkeleton();
        skeleton.Pickle = new Pass(skeleton, file).Run();
        return skeleton;
    }

    /// <summary>True when <paramref name="data"/> is one of this read's placeholders; gives its range of the file.</summary>
    public bool TryPayload(byte[] data, out long offset, out long length)
    {
        offset = length = 0;
        if (data.Length != PlaceholderBytes || !data.AsSpan(0, NonceBytes).SequenceEqual(nonce))
        {
            return false;
        }
        var index = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(NonceBytes));
        if (index < 0 || index >= payloads.Count)
        {
            return false;
        }
        (offset, length) = payloads[(int)index];
        return true;
    }

    /// <summary>The file offset of a byte of <see cref="Pickle"/> (for error messages and key order).</summary>
    public long FileOffsetOf(long skeletonOffset)
    {
        var lo = 0;
        var hi = segments.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (segments[mid].Skeleton <= skeletonOffset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return segments[lo].File + (skeletonOffset - segments[lo].Skeleton);
    }

    /// <summary>One pass over the file: a read window, the output, and the opcode walk.</summary>
    private sealed class Pass(PickleSkeleton skeleton, CheckpointFile file)
    {
        private readonly byte[] window = new byte[ReadBlock];
        private readonly MemoryStream output = new();
        private long windowStart;
        private int windowLength;
        private long pos;
        private long charged;

        public byte[] Run()
        {
            while (true)
            {
                var at = pos;
                if (!TryByte(out var op))
                {
                    return output.ToArray();
                }
                var ok = op switch
                {
                    (byte)'.' => Stop(),
                    0x95 => Frame(),
                    (byte)'B' => Bytes(at, 4),
                    0x8e => Bytes(at, 8),
                    _ => Copy(op, at),
                };
                if (!ok)
                {
                    // Something the pass cannot step over: the scanner sees the rest exactly as the file has it.
                    CopyRestFrom(at);
                    return output.ToArray();
                }
                if (op == (byte)'.')
                {
                    return output.ToArray();
                }
            }
        }

        private bool Stop()
        {
            Emit([(byte)'.']);
            return true;
        }

        private bool Frame()
        {
            if (!TryLength(8, out var length) || length > file.Length - pos)
            {
                return false;
            }
            skeleton.segments.Add((output.Length, pos));
            return true;
        }

        private bool Bytes(long at, int width)
        {
            if (!TryLength(width, out var length) || length > file.Length - pos)
            {
                return false;
            }
            if (length < MinPayload)
            {
                EmitFromFile(at, 1 + width + length);
                pos += length;
                return true;
            }
            skeleton.segments.Add((output.Length, at));
            var placeholder = new byte[2 + PlaceholderBytes];
            placeholder[0] = (byte)'C';
            placeholder[1] = PlaceholderBytes;
            skeleton.nonce.CopyTo(placeholder, 2);
            BinaryPrimitives.WriteInt64LittleEndian(placeholder.AsSpan(2 + NonceBytes), skeleton.payloads.Count);
            skeleton.payloads.Add((pos, length));
            Emit(placeholder);
            pos += length;
            skeleton.segments.Add((output.Length, pos));
            return true;
        }

        /// <summary>Copies an opcode and its arguments as they are; false where they run past the end or are unknown.</summary>
        private bool Copy(byte op, long at)
        {
            long argument;
            switch (op)
            {
                case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or 0x88 or 0x89
                    or (byte)'}' or (byte)']' or (byte)')' or 0x8f or (byte)'d' or (byte)'l' or (byte)'t' or 0x91
                    or 0x85 or 0x86 or 0x87 or (byte)'a' or (byte)'e' or (byte)'u' or 0x90 or (byte)'s' or (byte)'b'
                    or 0x93 or (byte)'o' or (byte)'R' or 0x81 or 0x92 or (byte)'Q' or 0x94:
                    argument = 0;
                    break;
                case 0x80 or (byte)'K' or (byte)'h' or (byte)'q':
                    argument = 1;
                    break;
                case (byte)'M':
                    argument = 2;
                    break;
                case (byte)'J' or (byte)'j' or (byte)'r':
                    argument = 4;
                    break;
                case (byte)'G':
                    argument = 8;
                    break;
                case 0x8a or (byte)'U' or 0x8c or (byte)'C':
                    {
                        if (!TryLength(1, out var n))
                        {
                            return false;
                        }
                        pos = at + 1;
                        argument = 1 + n;
                        break;
                    }
                case 0x8b or (byte)'T' or (byte)'X':
                    {
                        if (!TryLength(4, out var n))
                        {
                            return false;
                        }
                        pos = at + 1;
                        argument = 4 + n;
                        break;
                    }
                case 0x8d or 0x96:
                    {
                        if (!TryLength(8, out var n))
                        {
                            return false;
                        }
                        pos = at + 1;
                        argument = 8 + n;
                        break;
                    }
                case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'S' or (byte)'V' or (byte)'P' or (byte)'g' or (byte)'p':
                    return CopyLines(at, 1);
                case (byte)'c' or (byte)'i':
                    return CopyLines(at, 2);
                default:
                    return false;
            }
            if (argument > file.Length - pos)
            {
                return false;
            }
            EmitFromFile(at, 1 + argument);
            pos += argument;
            return true;
        }

        /// <summary>An opcode followed by <paramref name="lines"/> newline-terminated arguments.</summary>
        private bool CopyLines(long at, int lines)
        {
            for (var i = 0; i < lines; i++)
            {
                while (true)
                {
                    if (!TryByte(out var b))
                    {
                        return false;
                    }
                    if (b == (byte)'\n')
                    {
                        break;
                    }
                }
            }
            EmitFromFile(at, pos - at);
            return true;
        }

        /// <summary>A little-endian length of <paramref name="width"/> bytes; false when it is cut off or negative.</summary>
        private bool TryLength(int width, out long length)
        {
            length = 0;
            if (width > file.Length - pos)
            {
                return false;
            }
            Span<byte> bytes = stackalloc byte[8];
            for (var i = 0; i < width; i++)
            {
                TryByte(out bytes[i]);
            }
            length = width switch
            {
                1 => bytes[0],
                4 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                _ => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            };
            return length >= 0;
        }

        private bool TryByte(out byte value)
        {
            value = 0;
            if (pos >= file.Length)
            {
                return false;
            }
            if (pos < windowStart || pos >= windowStart + windowLength)
            {
                windowStart = pos;
                windowLength = (int)Math.Min(window.Length, file.Length - pos);
                file.ReadExactly(windowStart, window.AsSpan(0, windowLength));
            }
            value = window[pos - windowStart];
            pos++;
            return true;
        }

        private void CopyRestFrom(long at)
        {
            skeleton.segments.Add((output.Length, at));
            EmitFromFile(at, file.Length - at);
        }

        /// <summary>Copies bytes <c>[from, from + count)</c> of the file to the output, through the window where it holds them.</summary>
        private void EmitFromFile(long from, long count)
        {
            Charge(count);
            while (count > 0)
            {
                if (from >= windowStart && from < windowStart + windowLength)
                {
                    var n = (int)Math.Min(count, windowStart + windowLength - from);
                    output.Write(window, (int)(from - windowStart), n);
                    from += n;
                    count -= n;
                }
                else
                {
                    windowStart = from;
                    windowLength = (int)Math.Min(window.Length, file.Length - from);
                    file.ReadExactly(windowStart, window.AsSpan(0, windowLength));
                }
            }
        }

        private void Emit(ReadOnlySpan<byte> bytes)
        {
            Charge(bytes.Length);
            output.Write(bytes);
        }

        /// <summary>What the skeleton keeps is memory the file asks for: charged before it is taken, in 64 KiB steps.</summary>
        private void Charge(long count)
        {
            var needed = output.Length + count;
            if (needed > Array.MaxLength)
            {
                throw new CheckpointFormatException(FormatErrorKind.LimitExceeded,
                    $"pickle structure of more than {Array.MaxLength} bytes (besides its array data) is larger than one read allows", new FormatPlace("pickle", pos));
            }
            if (needed > charged)
            {
                var step = Math.Max(needed - charged, ReadBlock);
                file.Budget.ChargeBytes(step, "reading the pickle", new FormatPlace("pickle", pos));
                charged += step;
            }
        }
    }
}
