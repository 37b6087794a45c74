using System.Text;

namespace ClipTools.Input.Tokenizer;

/// <summary>
/// Python's <c>html.unescape</c>, which the official tokenizer applies twice: HTML5 named references (with and
/// without the semicolon, longest known prefix first), decimal and hex references with the HTML5 replacements of
/// invalid code points. Counts are in code points, as Python's are.
/// </summary>
internal static class HtmlUnescape
{
    // Windows-1252 for the C1 range, 0 and CR: what browsers (and Python) substitute for those references.
    private static readonly Dictionary<int, string> InvalidReferences = new()
    {
        [0x00] = "\uFFFD",
        [0x0D] = "\r",
        [0x80] = "\u20AC",
        [0x81] = "\u0081",
        [0x82] = "\u201A",
        [0x83] = "\u0192",
        [0x84] = "\u201E",
        [0x85] = "\u2026",
        [0x86] = "\u2020",
        [0x87] = "\u2021",
        [0x88] = "\u02C6",
        [0x89] = "\u2030",
        [0x8A] = "\u0160",
        [0x8B] = "\u2039",
        [0x8C] = "\u0152",
        [0x8D] = "\u008D",
        [0x8E] = "\u017D",
        [0x8F] = "\u008F",
        [0x90] = "\u0090",
        [0x91] = "\u2018",
        [0x92] = "\u2019",
        [0x93] = "\u201C",
        [0x94] = "\u201D",
        [0x95] = "\u2022",
        [0x96] = "\u2013",
        [0x97] = "\u2014",
        [0x98] = "\u02DC",
        [0x99] = "\u2122",
        [0x9A] = "\u0161",
        [0x9B] = "\u203A",
        [0x9C] = "\u0153",
        [0x9D] = "\u009D",
        [0x9E] = "\u017E",
        [0x9F] = "\u0178",
    };

    private const int MaxNameLength = 32;

    private static readonly Dictionary<string, string> Entities = LoadEntities();

    public static string Unescape(string text)
    {
        var amp = text.IndexOf('&');
        if (amp < 0)
        {
            return text;
        }
        var output = new StringBuilder(text.Length);
        output.Append(text, 0, amp);
        var i = amp;
        while (i < text.Length)
        {
            if (text[i] != '&')
            {
                output.Append(text[i]);
                i++;
                continue;
            }
            var end = MatchReference(text, i + 1, out var replacement);
            if (end < 0)
            {
                output.Append('&');
                i++;
            }
            else
            {
                output.Append(replacement);
                i = end;
            }
        }
        return output.ToString();
    }

    /// <summary>Matches <c>#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f &lt;&amp;#;]{1,32};?</c> at start; -1 if none.</summary>
    private static int MatchReference(string text, int start, out string replacement)
    {
        replacement = "";
        if (start >= text.Length)
        {
            return -1;
        }
        if (text[start] == '#')
        {
            var hex = start + 1 < text.Length && text[start + 1] is 'x' or 'X';
            var digitsStart = start + (hex ? 2 : 1);
            var i = digitsStart;
            while (i < text.Length && (hex ? char.IsAsciiHexDigit(text[i]) : char.IsAsciiDigit(text[i])))
            {
                i++;
            }
            if (i == digitsStart)
            {
                return -1; // '#' is not a name character either
            }
            replacement = NumericReference(text.AsSpan(digitsStart, i - digitsStart), hex ? 16 : 10);
            return i < text.Length && text[i] == ';' ? i + 1 : i;
        }
        var end = start;
        for (var count = 0; count < MaxNameLength && end < text.Length && IsNameChar(text[end]); count++)
        {
            end += char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
        }
        if (end == start)
        {
            return -1;
        }
        if (end < text.Length && text[end] == ';')
        {
            end++;
        }
        replacement = NamedReference(text[start..end]);
        return end;
    }

    private static bool IsNameChar(char c) => c is not ('\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';');

    private static string NumericReference(ReadOnlySpan<char> digits, int radix)
    {
        // Saturate: any value above U+10FFFF gives the same replacement.
        long value = 0;
        foreach (var c in digits)
        {
            value = Math.Min(value * radix + DigitValue(c), 0x110000);
        }
        if (InvalidReferences.TryGetValue((int)value, out var replacement))
        {
            return replacement;
        }
        if (value is >= 0xD800 and <= 0xDFFF or > 0x10FFFF)
        {
            return "\uFFFD";
        }
        if (IsInvalidCodePoint((int)value))
        {
            return "";
        }
        return char.ConvertFromUtf32((int)value);
    }

    private static int DigitValue(char c) => char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool IsInvalidCodePoint(int v) =>
        v is >= 0x1 and <= 0x8 or 0xB or >= 0xE and <= 0x1F or >= 0x7F and <= 0x9F or >= 0xFDD0 and <= 0xFDEF
        || (v & 0xFFFE) == 0xFFFE;

    private static string NamedReference(string name)
    {
        if (Entities.TryGetValue(name, out var value))
        {
            return value;
        }
        // The longest known prefix of at least two code points, the rest kept as text.
        var cut = name.Length;
        while (true)
        {
            cut -= char.IsLowSurrogate(name[cut - 1]) ? 2 : 1;
            if (CodePointCount(name, cut) < 2)
            {
                return "&" + name;
            }
            if (Entities.TryGetValue(name[..cut], out value))
            {
                return value + name[cut..];
            }
        }
    }

    private static int CodePointCount(string text, int length)
    {
        var count = 0;
        for (var i = 0; i < length; i++)
        {
            count += char.IsLowSurrogate(text[i]) ? 0 : 1;
        }
        return count;
    }

    private static Dictionary<string, string> LoadEntities() =>
        CharacterData.ReadTable("html5-entities.txt").ToDictionary(
            f => f[0],
            f => string.Concat(f.Skip(1).Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16)))),
            StringComparer.Ordinal);
}
