using System.Text;

namespace ClipTools.Input.Tokenizer;

/// <summary>
/// OpenAI's CLIP tokenizer (<c>clip.tokenize</c>): cleanup (<see cref="TextCleaner"/>), the official split
/// (<see cref="WordSplitter"/>), byte-level BPE over the official merges (<see cref="BytePairEncoder"/>), and
/// <c>&lt;|startoftext|&gt;</c> ... <c>&lt;|endoftext|&gt;</c> in a zero-padded context of 77. Thread-safe.
/// </summary>
public sealed class ClipTokenizer
{
    public const int DefaultContextLength = 77;
    private const int CacheLimit = 1 << 17;

    private static readonly Lazy<ClipTokenizer> Official =
        new(() => new ClipTokenizer(CharacterData.OpenResource("bpe_simple_vocab_16e6.txt.gz")));

    private readonly BytePairEncoder _bpe;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    private ClipTokenizer(Stream gzippedMerges)
    {
        using (gzippedMerges)
        {
            _bpe = new BytePairEncoder(gzippedMerges);
        }
        _cache[BytePairEncoder.StartOfText] = [_bpe.StartOfTextId];
        _cache[BytePairEncoder.EndOfText] = [_bpe.EndOfTextId];
    }

    /// <summary>The tokenizer with the official merges (bpe_simple_vocab_16e6.txt.gz, shipped in this assembly).</summary>
    public static ClipTokenizer Default => Official.Value;

    /// <summary>A tokenizer over another merges file in the official format (gzip text, one merge a line).</summary>
    public static ClipTokenizer FromMergesFile(string path) => new(File.OpenRead(path));

    public int StartOfTextId => _bpe.StartOfTextId;

    public int EndOfTextId => _bpe.EndOfTextId;

    public int VocabularySize => _bpe.VocabularySize;

    /// <summary>The ids of <paramref name="text"/> without the start and end tokens (the official <c>encode</c>).</summary>
    public int[] Encode(string text)
    {
        CheckWellFormed(text);
        var cleaned = TextCleaner.Clean(text);
        var state = new EncodeState(this, cleaned);
        WordSplitter.Split(cleaned, ref state, static (ref EncodeState s, int start, int length) => s.Add(start, length));
        return [.. state.Ids];
    }

    /// <summary>
    /// One row of <c>clip.tokenize</c>: start token, the text's ids, end token, zeros up to
    /// <paramref name="contextLength"/>. A longer text is an error unless <paramref name="truncate"/>, which keeps
    /// the first <paramref name="contextLength"/> ids and makes the last one the end token, as the official code does.
    /// </summary>
    public int[] Tokenize(string text, int contextLength = DefaultContextLength, bool truncate = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var ids = Encode(text);
        var row = new int[contextLength];
        var total = ids.Length + 2;
        if (total > contextLength && !truncate)
        {
            throw new TextTooLongException(total, contextLength);
        }
        row[0] = StartOfTextId;
        var kept = Math.Min(ids.Length, contextLength - 2);
        ids.AsSpan(0, kept).CopyTo(row.AsSpan(1));
        row[Math.Min(total, contextLength) - 1] = EndOfTextId;
        return row;
    }

    /// <summary><see cref="Tokenize(string, int, bool)"/> for each text: rows of <paramref name="contextLength"/> ids.</summary>
    public int[][] Tokenize(IEnumerable<string> texts, int contextLength = DefaultContextLength, bool truncate = false) =>
        texts.Select(t => Tokenize(t, contextLength, truncate)).ToArray();

    private int[] WordIds(string cleaned, int start, int length)
    {
        var word = cleaned.AsSpan(start, length);
        lock (_cacheLock)
        {
            if (_cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var cached))
            {
                return cached;
            }
        }
        Span<byte> small = stackalloc byte[256];
        var byteCount = Encoding.UTF8.GetByteCount(word);
        var bytes = byteCount <= small.Length ? small[..byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(word, bytes);
        var ids = _bpe.Encode(bytes);
        lock (_cacheLock)
        {
            if (_cache.Count >= CacheLimit)
            {
                _cache.Clear(); // bounded memory; the cache only saves time
                _cache[BytePairEncoder.StartOfText] = [_bpe.StartOfTextId];
                _cache[BytePairEncoder.EndOfText] = [_bpe.EndOfTextId];
            }
            _cache.GetAlternateLookup<ReadOnlySpan<char>>().TryAdd(word, ids);
        }
        return ids;
    }

    // Python cannot encode a lone surrogate to UTF-8; neither do we, rather than guess.
    private static void CheckWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw new ArgumentException($"the text is not well-formed Unicode: a lone surrogate U+{(int)text[i]:X4} at index {i}");
            }
        }
    }

    private struct EncodeState(ClipTokenizer tokenizer, string cleaned)
    {
        public List<int> Ids { get; } = new(32);

        public readonly void Add(int start, int length) => Ids.AddRange(tokenizer.WordIds(cleaned, start, length));
    }
}
