namespace ClipTools.Checkpoints.Formats;

/// <summary>Where in a checkpoint something is: the archive entry or pickle, a byte offset, a key.</summary>
public sealed record FormatPlace(string? Entry = null, long? Offset = null, string? Key = null)
{
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (Entry is not null)
        {
            parts.Add($"entry '{Entry}'");
        }
        if (Offset is not null)
        {
            parts.Add($"byte {Offset}");
        }
        if (Key is not null)
        {
            parts.Add($"key '{Key}'");
        }
        return string.Join(", ", parts);
    }
}

/// <summary>
/// A checkpoint that cannot be read: what is wrong and where. Readers throw only this for bad input; the CLI turns
/// it into one line on stderr and exit code 2. Every throw names its <see cref="FormatErrorKind"/>.
/// </summary>
public sealed class CheckpointFormatException(FormatErrorKind kind, string what, FormatPlace? where = null, Exception? inner = null)
    : FormatException(what, inner)
{
    public string What { get; } = what;

    public FormatErrorKind Kind { get; } = kind;

    public FormatPlace Where { get; } = where ?? new FormatPlace();

    /// <summary>The same error with the file's place filled in where the thrower did not know it.</summary>
    public CheckpointFormatException At(FormatPlace outer) => new(
        Kind,
        What,
        new FormatPlace(Where.Entry ?? outer.Entry, Where.Offset ?? outer.Offset, Where.Key ?? outer.Key),
        InnerException);

    /// <summary>One line, whatever the message holds, with control characters escaped for the terminal.</summary>
    public string ToOneLine()
    {
        var where = Where.ToString();
        var line = where.Length == 0 ? What : $"{What} ({where})";
        return TerminalText.Sanitize(line);
    }
}
