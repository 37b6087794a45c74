using ClipTools.Checkpoints.Families;
using ClipTools.Model;

namespace ClipTools.Families.Official;

/// <summary>The official family's TorchSharp half: <see cref="Clip"/> for a <see cref="ClipConfig"/>, faithful or with
/// classic porting mistakes.</summary>
public sealed class OfficialModel : IVariantFamilyModel
{
    public string Family => OfficialFamily.FamilyName;

    public IDualEncoder Build(IModelConfig config) => new Clip(OfficialFamily.Own(config));

    public IDualEncoder Build(IModelConfig config, ModelVariant variant) => new Clip(OfficialFamily.Own(config), variant);
}
