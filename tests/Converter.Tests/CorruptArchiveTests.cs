using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ClipTools.Converter.Tests;

/// <summary>Damage inside a PyTorch zip archive that byte flips rarely hit, each made by hand.</summary>
public sealed class CorruptArchiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clip-convert-archive-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void UnknownStorageTypeIsRefusedByName()
    {
        // Same length as "FloatStorage", so the pickle stays well formed and only the type is unknown.
        var path = Rewrite("state_dict_dtypes.pt", "data.pkl", pickle => Replace(pickle, "FloatStorage", "QuantStorage"));
        var result = CliRunner.AssertOneLineError(path);
        Assert.Contains("QuantStorage", result.Stderr);
    }

    [Fact]
    public void CentralDirectoryPointingOutsideTheFileIsABadZipDirectory()
    {
        // PyTorch writes a zip64 end record too, whose offset readers prefer: move both past the end.
        var bytes = File.ReadAllBytes(Fixtures.PathOf("state_dict_dtypes.pt"));
        var end = LastIndexOf(bytes, [0x50, 0x4b, 0x05, 0x06]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(end + 16), (uint)bytes.Length + 1000);
        var end64 = LastIndexOf(bytes, [0x50, 0x4b, 0x06, 0x06]);
        if (end64 >= 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(end64 + 48), (ulong)bytes.Length + 1000);
        }
        var path = Path.Combine(_dir, "bad-directory.pt");
        File.WriteAllBytes(path, bytes);
        CliRunner.AssertOneLineError(path);
    }

    [Fact]
    public void StorageEntryMissingFromTheArchiveIsNamed()
    {
        var path = Rewrite("state_dict_dtypes.pt", "data/0", null);
        var result = CliRunner.AssertOneLineError(path);
        Assert.Contains("data/0", result.Stderr);
    }

    /// <summary>Copies a fixture archive, changing (or, with a null change, dropping) the entry whose name ends with <paramref name="suffix"/>.</summary>
    private string Rewrite(string fixture, string suffix, Func<byte[], byte[]>? change)
    {
        var path = Path.Combine(_dir, "rewritten-" + fixture);
        using (var source = ZipFile.OpenRead(Fixtures.PathOf(fixture)))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries)
            {
                var matches = entry.FullName.EndsWith("/" + suffix, StringComparison.Ordinal);
                if (matches && change is null)
                {
                    continue;
                }
                using var input = entry.Open();
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                var bytes = matches ? change!(buffer.ToArray()) : buffer.ToArray();
                using var output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                output.Write(bytes);
            }
        }
        return path;
    }

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        var at = LastIndexOf(bytes, Encoding.ASCII.GetBytes(from));
        Assert.True(at >= 0, $"'{from}' not in the pickle");
        var copy = (byte[])bytes.Clone();
        Encoding.ASCII.GetBytes(to).CopyTo(copy, at);
        return copy;
    }

    private static int LastIndexOf(byte[] bytes, byte[] pattern) => bytes.AsSpan().LastIndexOf(pattern);
}
