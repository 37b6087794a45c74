using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families;

/// <summary>Every model family the tools know. Adding a family is its folder under families/ and one line here.</summary>
public static class FamilyRegistry
{
    public static IReadOnlyList<IFamilySpec> All { get; } =
    [
        Official.OfficialFamily.Instance,
        Tutorial.TutorialFamily.Instance,
    ];

    public static IFamilySpec Get(string name) =>
        All.FirstOrDefault(f => f.Name == name)
        ?? throw new CheckpointFormatException(FormatErrorKind.UnknownModel, $"unknown model family '{name}' (known: {string.Join(", ", All.Select(f => f.Name))})");

    /// <summary>Every family's layouts, the canonical one of each first.</summary>
    public static IReadOnlyList<Layout> Layouts { get; } = All.SelectMany(f => f.Layouts).ToList();

    /// <summary>The family a layout belongs to.</summary>
    public static IFamilySpec Of(Layout layout) =>
        All.First(f => f.Layouts.Contains(layout));
}
