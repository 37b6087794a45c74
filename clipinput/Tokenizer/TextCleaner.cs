using System.Text;

namespace ClipTools.Input.Tokenizer;

/// <summary>
/// The official text cleanup before the split: <c>html.unescape</c> twice, <c>strip()</c>, every <c>\s+</c> run to
/// one space, <c>strip()</c> again, then Python's <c>str.lower()</c> (full mappings, the final-sigma rule).
/// The official first step, <c>ftfy.fix_text</c>, is not reproduced (docs/tokenizer.md says what it changes).
/// </summary>
internal static class TextCleaner
{
    private const int CapitalSigma = 0x03A3;
    private const int SmallSigma = 0x03C3;
    private const int FinalSigma = 0x03C2;

    public static string Clean(string text)
    {
        var data = CharacterData.Shared;
        text = HtmlUnescape.Unescape(HtmlUnescape.Unescape(text));
        text = Strip(text, data);
        text = CollapseWhitespace(text, data);
        text = Strip(text, data);
        return Lower(text, data);
    }

    private static string Strip(string text, CharacterData data)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && data.IsPythonSpace(CodePointAt(text, start)))
        {
            start += CodeUnits(text, start);
        }
        while (end > start && data.IsPythonSpace(CodePointBefore(text, end)))
        {
            end -= char.IsLowSurrogate(text[end - 1]) ? 2 : 1;
        }
        return start == 0 && end == text.Length ? text : text[start..end];
    }

    private static string CollapseWhitespace(string text, CharacterData data)
    {
        StringBuilder? output = null;
        var i = 0;
        while (i < text.Length)
        {
            var cp = CodePointAt(text, i);
            var units = CodeUnits(text, i);
            if (data.Split(cp) != SplitClass.Space)
            {
                output?.Append(text, i, units);
                i += units;
                continue;
            }
            var end = i + units;
            while (end < text.Length && data.Split(CodePointAt(text, end)) == SplitClass.Space)
            {
                end += CodeUnits(text, end);
            }
            if (output is null)
            {
                if (end == i + 1 && text[i] == ' ')
                {
                    i = end; // a single space already is what it would become
                    continue;
                }
                output = new StringBuilder(text.Length).Append(text, 0, i);
            }
            output.Append(' ');
            i = end;
        }
        return output?.ToString() ?? text;
    }

    private static string Lower(string text, CharacterData data)
    {
        StringBuilder? output = null;
        for (var i = 0; i < text.Length;)
        {
            var cp = CodePointAt(text, i);
            var units = CodeUnits(text, i);
            int[]? mapped = cp == CapitalSigma ? [IsFinalSigma(text, i, data) ? FinalSigma : SmallSigma] : data.Lowercase(cp);
            if (mapped is null)
            {
                output?.Append(text, i, units);
            }
            else
            {
                output ??= new StringBuilder(text.Length + 8).Append(text, 0, i);
                foreach (var m in mapped)
                {
                    AppendCodePoint(output, m);
                }
            }
            i += units;
        }
        return output?.ToString() ?? text;
    }

    // Python's rule: after a cased letter (case-ignorable ones skipped), and not before one.
    private static bool IsFinalSigma(string text, int index, CharacterData data)
    {
        var j = index;
        var cased = false;
        while (j > 0)
        {
            var cp = CodePointBefore(text, j);
            j -= cp > 0xFFFF ? 2 : 1;
            if (!data.IsCaseIgnorable(cp))
            {
                cased = data.IsCased(cp);
                break;
            }
        }
        if (!cased)
        {
            return false;
        }
        for (j = index + 1; j < text.Length; j += CodeUnits(text, j))
        {
            var cp = CodePointAt(text, j);
            if (!data.IsCaseIgnorable(cp))
            {
                return !data.IsCased(cp);
            }
        }
        return true;
    }

    internal static int CodePointAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
            ? char.ConvertToUtf32(text[i], text[i + 1])
            : text[i];

    internal static int CodeUnits(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    private static int CodePointBefore(string text, int end) =>
        end >= 2 && char.IsLowSurrogate(text[end - 1]) && char.IsHighSurrogate(text[end - 2])
            ? char.ConvertToUtf32(text[end - 2], text[end - 1])
            : text[end - 1];

    private static void AppendCodePoint(StringBuilder output, int cp)
    {
        if (cp > 0xFFFF)
        {
            output.Append(char.ConvertFromUtf32(cp));
        }
        else
        {
            output.Append((char)cp);
        }
    }
}
