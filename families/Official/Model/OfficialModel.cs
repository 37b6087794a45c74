using ClipTools.Checkpoints.Families;
using ClipTools.Model;

namespace ClipTools.Families.Official;

/// <summary>The official family's TorchSharp half: <see cref="Clip"/> for a <see cref="ClipConfig"/>.</summary>
public sealed class OfficialModel : IFamilyModel
{
    public string Family => OfficialFamily.FamilyName;

    public IDualEncoder Build(IModelConfig config) => new Clip(OfficialFamily.Own(config));
}
