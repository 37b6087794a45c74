using ClipTools.Checkpoints.Formats;

namespace ClipTools.Verifier.Fixtures;

/// <summary>
/// A fixture that cannot be read: what is wrong and where. <see cref="Kind"/> is the container's own error kind
/// (docs/security.md) when the file itself is broken or hostile, null when the file reads but is not a valid fixture.
/// </summary>
public sealed class FixtureFormatException(string path, string problem, FormatErrorKind? kind = null)
    : Exception($"{Path.GetFileName(path)}: {problem}")
{
    public FormatErrorKind? Kind { get; } = kind;

    /// <summary>A container error met while reading <paramref name="path"/>, as a fixture error of the same kind.</summary>
    public static FixtureFormatException From(string path, CheckpointFormatException e) => new(path, e.ToOneLine(), e.Kind);
}
