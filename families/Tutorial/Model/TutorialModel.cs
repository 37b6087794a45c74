using ClipTools.Checkpoints.Families;
using ClipTools.Model;

namespace ClipTools.Families.Tutorial;

/// <summary>The tutorial family's TorchSharp half: <see cref="CLIP"/> for a <see cref="TutorialClipConfig"/>.</summary>
public sealed class TutorialModel : IFamilyModel
{
    public string Family => TutorialFamily.FamilyName;

    public IDualEncoder Build(IModelConfig config) => new CLIP(TutorialFamily.Own(config));
}
