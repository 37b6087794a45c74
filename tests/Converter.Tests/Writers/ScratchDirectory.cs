namespace ClipTools.Converter.Tests.Writers;

/// <summary>A fresh directory per test, removed afterwards.</summary>
public sealed class ScratchDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("clip-writers-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every entry in the directory, hidden temporary files included.</summary>
    public string[] Entries() => Directory.GetFileSystemEntries(Path).Select(System.IO.Path.GetFileName).ToArray()!;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
