namespace ClipTools.Input.Tokenizer;

/// <summary>A text whose tokens (with the start and end tokens) do not fit the context and truncation was not asked for.</summary>
public sealed class TextTooLongException(int tokens, int contextLength)
    : Exception($"the text is {tokens} tokens long with its start and end tokens, more than the context of {contextLength} (truncate to keep the first {contextLength})")
{
    public int Tokens { get; } = tokens;

    public int ContextLength { get; } = contextLength;
}
