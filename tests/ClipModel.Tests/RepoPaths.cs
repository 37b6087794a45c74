namespace ClipTools.ClipModel.Tests;

/// <summary>Locates the repository's committed files from the test output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixture(params string[] parts) => Path.Combine([Root, "fixtures", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClipTools.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("ClipTools.sln not found above the test directory");
    }
}
