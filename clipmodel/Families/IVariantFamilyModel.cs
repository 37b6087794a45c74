using ClipTools.Checkpoints.Families;

namespace ClipTools.Model;

/// <summary>
/// A family model that can also build its network with classic porting mistakes (<see cref="ModelVariant"/>), for
/// the diagnosis's what-if runs. Optional: a family without it gets no what-if diagnosis.
/// </summary>
public interface IVariantFamilyModel : IFamilyModel
{
    /// <summary>The network for <paramref name="config"/> with <paramref name="variant"/>'s mistakes, randomly
    /// initialised, in float32; <see cref="ModelVariant.Faithful"/> builds what <see cref="IFamilyModel.Build"/> does.</summary>
    IDualEncoder Build(IModelConfig config, ModelVariant variant);
}
