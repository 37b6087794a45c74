namespace ClipTools.Input.Tokenizer;

/// <summary>
/// GPT-2's byte-level alphabet as CLIP uses it: every byte as one printable character. The printable Latin-1 bytes
/// ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 take U+0100 upwards in byte order. The
/// vocabulary starts with these 256 characters in that order (printable ones first).
/// </summary>
internal static class ByteAlphabet
{
    /// <summary>The character standing for each byte.</summary>
    public static IReadOnlyList<char> CharOf { get; }

    /// <summary>The bytes in vocabulary order.</summary>
    public static IReadOnlyList<byte> VocabularyOrder { get; }

    static ByteAlphabet()
    {
        var chars = new char[256];
        var order = new List<byte>(256);
        for (var b = 0; b < 256; b++)
        {
            if (IsPrintable(b))
            {
                chars[b] = (char)b;
                order.Add((byte)b);
            }
        }
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            if (!IsPrintable(b))
            {
                chars[b] = (char)next++;
                order.Add((byte)b);
            }
        }
        CharOf = chars;
        VocabularyOrder = order;
    }

    private static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
}
