namespace ClipTools.Verifier.Fixtures;

/// <summary>A fixture that cannot be read: what is wrong and where.</summary>
public sealed class FixtureFormatException(string path, string problem)
    : Exception($"{Path.GetFileName(path)}: {problem}");
