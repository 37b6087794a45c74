using System.Globalization;
using System.Text;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Text from a file (tensor names, keys, metadata) made safe to print: control characters (ANSI escapes, NUL, line
/// breaks, bidi overrides) are shown as <c>\xNN</c> / <c>\uNNNN</c>, so a name can neither move the cursor nor
/// fake a second line.
/// </summary>
public static class TerminalText
{
    public static string Sanitize(string text)
    {
        if (!NeedsEscaping(text))
        {
            return text;
        }
        var b = new StringBuilder(text.Length + 16);
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsUnsafe(rune))
            {
                b.Append(rune.Value <= 0xff ? $"\\x{rune.Value:x2}" : $"\\u{rune.Value:x4}");
            }
            else
            {
                b.Append(rune.ToString());
            }
        }
        return b.ToString();
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsUnsafe(rune))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsUnsafe(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse;
}
