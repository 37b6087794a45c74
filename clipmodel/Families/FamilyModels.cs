using ClipTools.Model.Construction;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;
using TorchSharp;

namespace ClipTools.Model;

/// <summary>
/// Every family's model half, found among this assembly's types (each family's Model folder compiles into it), so
/// a family registers once, in the spec registry.
/// </summary>
public static class FamilyModels
{
    public static IReadOnlyDictionary<string, IFamilyModel> All { get; } =
        typeof(FamilyModels).Assembly.GetTypes()
            .Where(t => typeof(IFamilyModel).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IFamilyModel)Activator.CreateInstance(t)!)
            .ToDictionary(m => m.Family, StringComparer.Ordinal);

    public static IFamilyModel For(string family) =>
        All.TryGetValue(family, out var model)
            ? model
            : throw new CheckpointFormatException(FormatErrorKind.UnknownModel, $"no TorchSharp model for family '{family}' (known: {string.Join(", ", All.Keys)})");

    public static IDualEncoder Build(IModelConfig config) => For(config.Family).Build(config);

    /// <summary>
    /// <paramref name="model"/> rebuilt with <paramref name="variant"/>'s mistakes: same config, a copy of its weights
    /// in its float type, in eval mode. Null when the family builds no variants.
    /// </summary>
    public static IDualEncoder? Variant(IDualEncoder model, ModelVariant variant)
    {
        if (For(model.Config.Family) is not IVariantFamilyModel family)
        {
            return null;
        }
        IDualEncoder copy;
        using (Layers.Uninitialised())
        {
            // The strict load_state_dict below overwrites every parameter and buffer.
            copy = family.Build(model.Config, variant);
        }
        try
        {
            using var noGrad = torch.no_grad();
            copy.Module.to(model.Module.parameters().First().dtype);
            copy.Module.load_state_dict(model.Module.state_dict(), strict: true);
            copy.Module.eval();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
