using System.Reflection;

namespace ClipTools.Testing;

/// <summary>
/// Where the repository's committed files are, for every test project (compiled into each one). The build records
/// the repository root in the test assembly, so tests find the fixtures wherever their binaries are put.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path under <c>fixtures/</c>.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Root, "fixtures", .. parts]);

    private static string FindRoot()
    {
        var recorded = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "ClipTools.sln")))
        {
            return Path.GetFullPath(recorded);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClipTools.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("the ClipTools repository root (ClipTools.sln) was not found");
    }
}
