using System.Security.Cryptography;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Tests.Writers;

/// <summary>
/// <see cref="HashingPipeline"/> writes every byte at its place whichever thread writes a block, hashes exactly what
/// it wrote, and says how far the file is written only for bytes that are there.
/// </summary>
public sealed class HashingPipelineTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void TheFileAndItsHashAreTheBytesGivenInOrder()
    {
        var data = new byte[(20 * HashingPipeline.BlockBytes) + 12345];
        new Random(7).NextBytes(data);
        var path = scratch.File("out");
        var reported = new List<long>();
        (long Length, string Sha256) result;
        using (var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            using var pipeline = new HashingPipeline(handle, through =>
            {
                // Everything up to what is reported is on file already.
                var onFile = new byte[through];
                RandomAccess.Read(handle, onFile, 0);
                Assert.True(onFile.AsSpan().SequenceEqual(data.AsSpan(0, (int)through)), $"reported {through} bytes written before they were");
                reported.Add(through);
            });
            // Writes of odd sizes, through both of the pipeline's ways in.
            var random = new Random(3);
            for (var at = 0; at < data.Length;)
            {
                var n = Math.Min(random.Next(1, 3 * HashingPipeline.BlockBytes / 2), data.Length - at);
                if (n <= HashingPipeline.BlockBytes && random.Next(2) == 0)
                {
                    data.AsSpan(at, n).CopyTo(pipeline.GetSpan(n));
                    pipeline.Advance(n);
                }
                else
                {
                    pipeline.Write(data.AsSpan(at, n));
                }
                at += n;
            }
            result = pipeline.Complete();
        }

        Assert.Equal(data.Length, result.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), result.Sha256);
        Assert.Equal(data, File.ReadAllBytes(path));
        Assert.NotEmpty(reported);
        Assert.Equal(reported.Order(), reported);
    }

    [Fact]
    public void AFailedWriteIsAnIOExceptionSayingSo()
    {
        var path = scratch.File("read-only");
        File.WriteAllBytes(path, []);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using var pipeline = new HashingPipeline(handle);

        var e = Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 16; i++)
            {
                pipeline.Write(new byte[HashingPipeline.BlockBytes]);
            }
            pipeline.Complete();
        });

        Assert.StartsWith("writing the output failed: ", e.Message);
    }
}
