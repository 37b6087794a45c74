using System.IO.Compression;
using System.Text;

namespace ClipTools.Input.Tokenizer;

/// <summary>
/// CLIP's vocabulary and byte-level BPE. The vocabulary is the 256 byte characters, the same with <c>&lt;/w&gt;</c>
/// (a word's last symbol), one entry per merge (its two halves joined), then the two special tokens: 49408 ids
/// with the official merges file. Symbols are held as ids; a merge is a pair of ids with its rank and result.
/// </summary>
internal sealed class BytePairEncoder
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    private const string WordEnd = "</w>";
    private const int MergeCount = 49152 - 256 - 2;

    private readonly int[] _byteId = new int[256];
    private readonly int[] _byteEndId = new int[256];
    private readonly Dictionary<long, (int Rank, int Merged)> _merges = [];

    public int StartOfTextId { get; }

    public int EndOfTextId { get; }

    public int VocabularySize { get; }

    /// <summary>Reads a merges file as openai/CLIP does (gzip, first line a version comment, the first 48894 merges).</summary>
    public BytePairEncoder(Stream gzippedMerges)
    {
        string[] lines;
        using (var gzip = new GZipStream(gzippedMerges, CompressionMode.Decompress))
        using (var reader = new StreamReader(gzip, new UTF8Encoding(false, true)))
        {
            lines = reader.ReadToEnd().Split('\n');
        }
        if (lines.Length < MergeCount + 1)
        {
            throw new InvalidDataException($"the merges file has {lines.Length - 1} merges; CLIP needs {MergeCount}");
        }
        var merges = lines.Skip(1).Take(MergeCount)
            .Select((line, i) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is [var a, var b]
                ? (a, b)
                : throw new InvalidDataException($"merges file line {i + 2} is not two symbols"))
            .ToArray();

        // Built in the official order; a string listed twice keeps its last id, as Python's dict(zip(...)) does.
        var vocabulary = new List<string>(MergeCount + 514);
        vocabulary.AddRange(ByteAlphabet.VocabularyOrder.Select(b => ByteAlphabet.CharOf[b].ToString()));
        vocabulary.AddRange(ByteAlphabet.VocabularyOrder.Select(b => ByteAlphabet.CharOf[b] + WordEnd));
        vocabulary.AddRange(merges.Select(m => m.a + m.b));
        vocabulary.Add(StartOfText);
        vocabulary.Add(EndOfText);
        var ids = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Count; i++)
        {
            ids[vocabulary[i]] = i;
        }
        VocabularySize = vocabulary.Count;
        StartOfTextId = ids[StartOfText];
        EndOfTextId = ids[EndOfText];
        for (var b = 0; b < 256; b++)
        {
            _byteId[b] = ids[ByteAlphabet.CharOf[b].ToString()];
            _byteEndId[b] = ids[ByteAlphabet.CharOf[b] + WordEnd];
        }
        for (var rank = 0; rank < merges.Length; rank++)
        {
            var (a, b) = merges[rank];
            // A half that is no symbol can never be formed, so its merge can never apply.
            if (ids.TryGetValue(a, out var left) && ids.TryGetValue(b, out var right))
            {
                _merges[Key(left, right)] = (rank, ids[a + b]);
            }
        }
    }

    /// <summary>The ids of one word given as UTF-8 bytes.</summary>
    public int[] Encode(ReadOnlySpan<byte> word)
    {
        var symbols = new int[word.Length];
        for (var i = 0; i < word.Length - 1; i++)
        {
            symbols[i] = _byteId[word[i]];
        }
        symbols[^1] = _byteEndId[word[^1]];
        var count = symbols.Length;
        while (count > 1)
        {
            var best = int.MaxValue;
            long bestPair = 0;
            var merged = 0;
            for (var i = 0; i < count - 1; i++)
            {
                if (_merges.TryGetValue(Key(symbols[i], symbols[i + 1]), out var merge) && merge.Rank < best)
                {
                    best = merge.Rank;
                    bestPair = Key(symbols[i], symbols[i + 1]);
                    merged = merge.Merged;
                }
            }
            if (best == int.MaxValue)
            {
                break;
            }
            // Every occurrence of the best pair, left to right, without overlaps.
            var write = 0;
            for (var read = 0; read < count; write++)
            {
                if (read < count - 1 && Key(symbols[read], symbols[read + 1]) == bestPair)
                {
                    symbols[write] = merged;
                    read += 2;
                }
                else
                {
                    symbols[write] = symbols[read];
                    read++;
                }
            }
            count = write;
        }
        return count == symbols.Length ? symbols : symbols[..count];
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
