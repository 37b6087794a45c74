using ClipTools.Input.Tokenizer;

namespace ClipTools.Input.Tests.Tokenizer;

public sealed class ClipTokenizerTests
{
    [Fact]
    public void VocabularyHasTheOfficialSizeAndSpecialIds()
    {
        var tokenizer = ClipTokenizer.Default;
        Assert.Equal(49408, tokenizer.VocabularySize);
        Assert.Equal(49406, tokenizer.StartOfTextId);
        Assert.Equal(49407, tokenizer.EndOfTextId);
    }

    [Fact]
    public void KnownCaption()
    {
        // The ids every CLIP port documents for this caption.
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 269, 49407], ClipTokenizer.Default.Tokenize("a photo of a cat.")[..8]);
    }

    [Fact]
    public void ContextLengthAndTruncationFollowClipTokenize()
    {
        var tokenizer = ClipTokenizer.Default;
        var row = tokenizer.Tokenize("one two three four", contextLength: 4, truncate: true);
        Assert.Equal(4, row.Length);
        Assert.Equal(tokenizer.StartOfTextId, row[0]);
        Assert.Equal(tokenizer.Encode("one two")[..2], row[1..3]);
        Assert.Equal(tokenizer.EndOfTextId, row[3]);
        Assert.Throws<TextTooLongException>(() => tokenizer.Tokenize("one two three", contextLength: 4));
        Assert.Equal(5, tokenizer.Tokenize("one two three", contextLength: 5).Count(id => id != 0));
    }

    [Fact]
    public void LoneSurrogateIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClipTokenizer.Default.Encode("ab\uD800c"));
        Assert.Contains("index 2", error.Message);
    }

    [Fact]
    public void SameAnswerFromManyThreads()
    {
        var texts = Enumerable.Range(0, 2000).Select(i => $"caption number {i} with word{i % 97}").ToArray();
        var fresh = ClipTokenizer.FromMergesFile(MergesPath());
        var expected = texts.Take(50).Select(fresh.Encode).ToArray();
        var results = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => results[i] = ClipTokenizer.Default.Encode(texts[i]));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], results[i]);
        }
    }

    private static string MergesPath() => Testing.RepositoryPaths.Root + "/clipinput/Tokenizer/Data/bpe_simple_vocab_16e6.txt.gz";
}
