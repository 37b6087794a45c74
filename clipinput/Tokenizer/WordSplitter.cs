namespace ClipTools.Input.Tokenizer;

/// <summary>
/// The official split, <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// with IGNORECASE, as <c>regex.findall</c> runs it: at each position the first alternative that matches, else the
/// position is skipped. Written out by hand: the classes come from <see cref="CharacterData"/>, and IGNORECASE
/// makes the literals' "s" also match U+017F (long s), the only non-ASCII case partner of their letters.
/// </summary>
internal static class WordSplitter
{
    private static readonly string[] Specials = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>Calls <paramref name="word"/> with the start and length (in UTF-16 units) of each word, in order.</summary>
    public static void Split<TState>(string text, ref TState state, WordHandler<TState> word)
    {
        var data = CharacterData.Shared;
        var i = 0;
        while (i < text.Length)
        {
            var literal = MatchLiteral(text, i);
            if (literal > 0)
            {
                word(ref state, i, literal);
                i += literal;
                continue;
            }
            var cp = TextCleaner.CodePointAt(text, i);
            var units = TextCleaner.CodeUnits(text, i);
            var split = data.Split(cp);
            if (split is SplitClass.Space or SplitClass.None)
            {
                i += units;
                continue;
            }
            var end = i + units;
            if (split != SplitClass.Number)
            {
                while (end < text.Length && data.Split(TextCleaner.CodePointAt(text, end)) == split)
                {
                    end += TextCleaner.CodeUnits(text, end);
                }
            }
            word(ref state, i, end - i);
            i = end;
        }
    }

    private static int MatchLiteral(string text, int i)
    {
        var first = text[i];
        var candidates = first == '<' ? Specials : first == '\'' ? Contractions : null;
        if (candidates is null)
        {
            return 0;
        }
        foreach (var literal in candidates)
        {
            if (Matches(text, i, literal))
            {
                return literal.Length;
            }
        }
        return 0;
    }

    private static bool Matches(string text, int start, string literal)
    {
        if (start + literal.Length > text.Length)
        {
            return false;
        }
        for (var k = 0; k < literal.Length; k++)
        {
            var c = text[start + k];
            var l = literal[k];
            if (c != l && !(char.IsAsciiLetterLower(l) && c == char.ToUpperInvariant(l)) && !(l == 's' && c == '\u017F'))
            {
                return false;
            }
        }
        return true;
    }
}

internal delegate void WordHandler<TState>(ref TState state, int start, int length);
