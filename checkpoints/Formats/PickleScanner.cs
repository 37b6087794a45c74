using System.Buffers.Binary;
using System.Text;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Walks a pickle's opcodes without building anything, before Razorvine.Pickle is let near it. It checks every
/// opcode and argument against the bytes that are there, follows the stack symbolically (strings, globals, marks)
/// so that a <c>STACK_GLOBAL</c> is known by name, and refuses any global that <see cref="PickleGlobals"/> does not
/// allow. Razorvine resolves unknown globals itself and has no per-instance hook, so this pass is the gate.
/// It also records where each string first appears, which gives dict keys their order in the file.
/// </summary>
public sealed class PickleScanner
{
    /// <summary>More open marks or stack items than any checkpoint needs: a sign of a hostile or broken pickle.</summary>
    public const int MaxStackDepth = 100_000;

    public const int MaxMarkDepth = 1_000;

    private static readonly object Mark = new();

    private static readonly object Value = new();

    private readonly byte[] data;
    private readonly string entry;
    private readonly bool allowTorchScriptClasses;
    private readonly List<object> stack = [];
    private readonly Dictionary<long, object> memo = [];
    private readonly Dictionary<string, long> firstOffsets = new(StringComparer.Ordinal);
    private int marks;
    private int pos;

    private PickleScanner(byte[] data, int start, string entry, bool allowTorchScriptClasses)
    {
        this.data = data;
        this.entry = entry;
        this.allowTorchScriptClasses = allowTorchScriptClasses;
        pos = start;
    }

    /// <summary>Raised when the pickle runs past the end of the bytes given (the caller may have more).</summary>
    public sealed class TruncatedException(CheckpointFormatException error) : Exception(error.What)
    {
        public CheckpointFormatException Error { get; } = error;
    }

    /// <summary>A global named by the pickle: module and name as written.</summary>
    private sealed record GlobalRef(string Module, string Name);

    public sealed record Result(int End, IReadOnlyDictionary<string, long> FirstOffsets, int Protocol);

    /// <summary>Scans the pickle that starts at <paramref name="start"/>; offsets in errors are from <paramref name="baseOffset"/>.</summary>
    public static Result Scan(byte[] data, int start, string entry, bool allowTorchScriptClasses, long baseOffset = 0)
    {
        var scanner = new PickleScanner(data, start, entry, allowTorchScriptClasses);
        try
        {
            return scanner.Run();
        }
        catch (CheckpointFormatException e) when (baseOffset != 0 && e.Where.Offset is long o)
        {
            throw new CheckpointFormatException(e.Kind, e.What, e.Where with { Offset = o + baseOffset });
        }
    }

    private CheckpointFormatException Error(string what, int at, FormatErrorKind kind = FormatErrorKind.BadPickle) =>
        new(kind, what, new FormatPlace(entry, at));

    private Result Run()
    {
        var protocol = 0;
        while (true)
        {
            var at = pos;
            var op = ReadByte(at);
            switch (op)
            {
                case (byte)'.': // STOP
                    if (marks != 0 || stack.Count != 1)
                    {
                        throw Error($"pickle stops with {stack.Count} values and {marks} open marks on the stack", at);
                    }
                    return new Result(pos, firstOffsets, protocol);
                case 0x80: // PROTO
                    protocol = ReadByte(at);
                    if (protocol > 5)
                    {
                        throw Error($"unsupported pickle protocol {protocol}", at, FormatErrorKind.Unsupported);
                    }
                    break;
                case 0x95: // FRAME: the frame's length must fit in what follows
                    {
                        var length = ReadLength(8, at);
                        if (length > data.Length - pos)
                        {
                            throw new TruncatedException(Error($"pickle FRAME of {length} bytes runs past the end", at, FormatErrorKind.Truncated));
                        }
                        break;
                    }
                case (byte)'(': // MARK
                    if (++marks > MaxMarkDepth)
                    {
                        throw Error($"pickle nests deeper than {MaxMarkDepth} marks", at, FormatErrorKind.TooDeep);
                    }
                    Push(Mark, at);
                    break;
                case (byte)'0': // POP
                    if (PopAny(at) == Mark)
                    {
                        marks--;
                    }
                    break;
                case (byte)'1': // POP_MARK
                    PopToMark(at);
                    break;
                case (byte)'2': // DUP
                    Push(Peek(at), at);
                    break;
                case (byte)'F' or (byte)'I' or (byte)'L': // FLOAT, INT, LONG
                    ReadLine(at);
                    Push(Value, at);
                    break;
                case (byte)'J': // BININT
                    Take(4, at);
                    Push(Value, at);
                    break;
                case (byte)'K': // BININT1
                    Take(1, at);
                    Push(Value, at);
                    break;
                case (byte)'M': // BININT2
                    Take(2, at);
                    Push(Value, at);
                    break;
                case (byte)'G': // BINFLOAT
                    Take(8, at);
                    Push(Value, at);
                    break;
                case 0x8a: // LONG1
                    Take(ReadByte(at), at);
                    Push(Value, at);
                    break;
                case 0x8b: // LONG4
                    Take(ReadLength(4, at), at);
                    Push(Value, at);
                    break;
                case (byte)'N' or 0x88 or 0x89: // NONE, NEWTRUE, NEWFALSE
                    Push(Value, at);
                    break;
                case (byte)'S': // STRING (protocol 0, quoted)
                    PushString(ReadLine(at).Trim('\'', '"'), at);
                    break;
                case (byte)'V': // UNICODE (protocol 0)
                    PushString(ReadLine(at), at);
                    break;
                case (byte)'T': // BINSTRING
                    PushString(Latin1(Take(ReadLength(4, at), at)), at);
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    PushString(Latin1(Take(ReadByte(at), at)), at);
                    break;
                case (byte)'X': // BINUNICODE
                    PushString(Utf8(Take(ReadLength(4, at), at), at), at);
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    PushString(Utf8(Take(ReadByte(at), at), at), at);
                    break;
                case 0x8d: // BINUNICODE8
                    PushString(Utf8(Take(ReadLength(8, at), at), at), at);
                    break;
                case (byte)'B': // BINBYTES
                    Take(ReadLength(4, at), at);
                    Push(Value, at);
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Take(ReadByte(at), at);
                    Push(Value, at);
                    break;
                case 0x8e or 0x96: // BINBYTES8, BYTEARRAY8
                    Take(ReadLength(8, at), at);
                    Push(Value, at);
                    break;
                case (byte)'}' or (byte)']' or (byte)')' or 0x8f: // EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, EMPTY_SET
                    Push(Value, at);
                    break;
                case (byte)'d' or (byte)'l' or (byte)'t' or 0x91: // DICT, LIST, TUPLE, FROZENSET
                    PopToMark(at);
                    Push(Value, at);
                    break;
                case 0x85: // TUPLE1
                    Pop(at);
                    Push(Value, at);
                    break;
                case 0x86: // TUPLE2
                    Pop(at);
                    Pop(at);
                    Push(Value, at);
                    break;
                case 0x87: // TUPLE3
                    Pop(at);
                    Pop(at);
                    Pop(at);
                    Push(Value, at);
                    break;
                case (byte)'a': // APPEND
                    Pop(at);
                    Peek(at);
                    break;
                case (byte)'e' or (byte)'u' or 0x90: // APPENDS, SETITEMS, ADDITEMS
                    PopToMark(at);
                    Peek(at);
                    break;
                case (byte)'s': // SETITEM
                    Pop(at);
                    Pop(at);
                    Peek(at);
                    break;
                case (byte)'b': // BUILD
                    Pop(at);
                    Peek(at);
                    break;
                case (byte)'c': // GLOBAL
                    {
                        var module = ReadLine(at);
                        var name = ReadLine(at);
                        Push(CheckGlobal(module, name, at), at);
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop(at);
                        var module = Pop(at);
                        if (module is not string m || name is not string n)
                        {
                            throw Error("STACK_GLOBAL needs a module and a name string on the stack", at);
                        }
                        Push(CheckGlobal(m, n, at), at);
                        break;
                    }
                case (byte)'i': // INST: protocol 0 class instantiation; no checkpoint needs it
                    {
                        var module = ReadLine(at);
                        var name = ReadLine(at);
                        throw Error($"refused global '{module}.{name}' (INST): not on the allow-list", at, FormatErrorKind.RefusedGlobal);
                    }
                case (byte)'o': // OBJ
                    {
                        var items = PopToMark(at);
                        if (items.Count == 0 || items[0] is not GlobalRef)
                        {
                            throw Error("OBJ without a class", at);
                        }
                        Push(Value, at);
                        break;
                    }
                case (byte)'R' or 0x81: // REDUCE, NEWOBJ
                    Pop(at);
                    if (Pop(at) is not GlobalRef)
                    {
                        throw Error(op == (byte)'R' ? "REDUCE on something that is not a global" : "NEWOBJ on something that is not a class", at);
                    }
                    Push(Value, at);
                    break;
                case 0x92: // NEWOBJ_EX
                    Pop(at);
                    Pop(at);
                    if (Pop(at) is not GlobalRef)
                    {
                        throw Error("NEWOBJ_EX on something that is not a class", at);
                    }
                    Push(Value, at);
                    break;
                case (byte)'P': // PERSID
                    ReadLine(at);
                    Push(Value, at);
                    break;
                case (byte)'Q': // BINPERSID
                    Pop(at);
                    Push(Value, at);
                    break;
                case (byte)'g': // GET
                    Push(MemoGet(ParseLong(ReadLine(at), at), at), at);
                    break;
                case (byte)'h': // BINGET
                    Push(MemoGet(ReadByte(at), at), at);
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(MemoGet(ReadLength(4, at), at), at);
                    break;
                case (byte)'p': // PUT
                    MemoPut(ParseLong(ReadLine(at), at), at);
                    break;
                case (byte)'q': // BINPUT
                    MemoPut(ReadByte(at), at);
                    break;
                case (byte)'r': // LONG_BINPUT
                    MemoPut(ReadLength(4, at), at);
                    break;
                case 0x94: // MEMOIZE
                    MemoPut(memo.Count, at);
                    break;
                case 0x82 or 0x83 or 0x84: // EXT1, EXT2, EXT4: the copyreg extension registry
                    throw Error("refused pickle extension code (EXT1/EXT2/EXT4)", at, FormatErrorKind.RefusedGlobal);
                case 0x97 or 0x98: // NEXT_BUFFER, READONLY_BUFFER
                    throw Error("refused out-of-band pickle buffer", at, FormatErrorKind.Unsupported);
                default:
                    throw Error($"invalid pickle opcode 0x{op:x2}", at);
            }
        }
    }

    private object CheckGlobal(string module, string name, int at)
    {
        if (!PickleGlobals.IsAllowed(module, name, allowTorchScriptClasses))
        {
            if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            {
                throw Error($"unknown storage type 'torch.{name}'", at, FormatErrorKind.Unsupported);
            }
            throw Error($"refused global '{module}.{name}': not on the allow-list, nothing was executed", at, FormatErrorKind.RefusedGlobal);
        }
        return new GlobalRef(module, name);
    }

    private void Push(object value, int at)
    {
        if (stack.Count >= MaxStackDepth)
        {
            throw Error($"pickle stack deeper than {MaxStackDepth}", at, FormatErrorKind.LimitExceeded);
        }
        stack.Add(value);
    }

    private void PushString(string s, int at)
    {
        firstOffsets.TryAdd(s, at);
        Push(s, at);
    }

    private object PopAny(int at)
    {
        if (stack.Count == 0)
        {
            throw Error("pickle opcode pops from an empty stack", at);
        }
        var top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private object Pop(int at)
    {
        var top = PopAny(at);
        if (top == Mark)
        {
            throw Error("pickle opcode out of place: found a MARK where a value belongs", at);
        }
        return top;
    }

    private object Peek(int at)
    {
        if (stack.Count == 0 || stack[^1] == Mark)
        {
            throw Error("pickle opcode out of place: no value to work on", at);
        }
        return stack[^1];
    }

    private List<object> PopToMark(int at)
    {
        var i = stack.LastIndexOf(Mark);
        if (i < 0)
        {
            throw Error("pickle opcode needs a MARK but there is none", at);
        }
        var items = stack.GetRange(i + 1, stack.Count - i - 1);
        stack.RemoveRange(i, stack.Count - i);
        marks--;
        return items;
    }

    private object MemoGet(long key, int at) =>
        memo.TryGetValue(key, out var v) ? v : throw Error($"pickle memo key {key} is read before it is written", at);

    private void MemoPut(long key, int at)
    {
        var top = stack.Count == 0 ? null : stack[^1];
        if (top is null || top == Mark)
        {
            throw Error("pickle memo store with nothing to store", at);
        }
        memo[key] = top;
    }

    private int ReadByte(int at)
    {
        if (pos >= data.Length)
        {
            throw new TruncatedException(Error("pickle is truncated", at, FormatErrorKind.Truncated));
        }
        return data[pos++];
    }

    private long ReadLength(int width, int at)
    {
        var bytes = Take(width, at);
        var n = width == 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (n < 0)
        {
            throw Error($"pickle declares a negative length {n}", at, FormatErrorKind.NegativeSize);
        }
        return n;
    }

    private ReadOnlySpan<byte> Take(long count, int at)
    {
        if (count > data.Length - pos)
        {
            throw new TruncatedException(Error($"pickle is truncated: an argument of {count} bytes runs past the end", at, FormatErrorKind.Truncated));
        }
        var span = data.AsSpan(pos, (int)count);
        pos += (int)count;
        return span;
    }

    private string ReadLine(int at)
    {
        var rest = data.AsSpan(pos);
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new TruncatedException(Error("pickle is truncated inside a text argument", at, FormatErrorKind.Truncated));
        }
        pos += end + 1;
        return Utf8(rest[..end], at);
    }

    private static long ParseLong(string s, int at) =>
        long.TryParse(s, out var v) ? v : throw new CheckpointFormatException(FormatErrorKind.BadPickle, $"bad memo key '{s}'", new FormatPlace(Offset: at));

    private string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("pickle string is not valid UTF-8", at);
        }
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
