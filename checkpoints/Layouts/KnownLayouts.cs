using ClipTools.Families.Official;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>Every layout the converter reads. Adding a layout is one table file and one line here.</summary>
public static class KnownLayouts
{
    public static IReadOnlyList<Layout> All { get; } =
    [
        OfficialLayout.Layout,
        PaddleLayout.Layout,
        HuggingFaceLayout.Layout,
    ];

    public static Layout Get(string name) =>
        All.FirstOrDefault(l => l.Name == name) ?? throw new ArgumentException($"unknown layout '{name}'");
}
