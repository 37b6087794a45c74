using ClipTools.Fuzz;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Hostile;

/// <summary>
/// Replays every file the fuzzer's verdict must hold on: each finding it ever saved (fixtures/fuzz-findings, kept as
/// regression files after the fix) and every hand-made hostile file. Judged by the fuzzer's own <see cref="FuzzCase"/>:
/// no exception but a typed format error, and no more allocated than 20 x the input + 64 MiB.
/// </summary>
public sealed class FuzzFindingTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var dir in new[] { "fuzz-findings", "hostile" })
        {
            var path = RepositoryPaths.Fixture(dir);
            if (!Directory.Exists(path))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(path).Where(p => !p.EndsWith(".py") && !p.EndsWith(".md")).Order(StringComparer.Ordinal))
            {
                data.Add(Path.Combine(dir, Path.GetFileName(file)));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void IsRefusedOrReadWithinItsAllowance(string file)
    {
        var outcome = FuzzCase.Run(RepositoryPaths.Fixture(file));
        // FuzzCase's 5 s hang verdict is for the fuzzer's machine; here only a case that does not end at all fails.
        var problem = outcome.Problem is { } p && p.StartsWith("hang") && outcome.Elapsed < TimeSpan.FromSeconds(60) ? null : outcome.Problem;
        Assert.Null(problem);
    }
}
