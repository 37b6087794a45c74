using ClipTools.Checkpoints.Families;

namespace ClipTools.Model;

/// <summary>
/// The TorchSharp half of a model family: builds the network for a config of the family's spec
/// (<see cref="IFamilySpec"/>). Implementations in ClipTools.Model are found by <see cref="FamilyModels"/>; a family
/// registers only its spec.
/// </summary>
public interface IFamilyModel
{
    /// <summary>The <see cref="IFamilySpec.Name"/> this builds for.</summary>
    string Family { get; }

    /// <summary>The network for <paramref name="config"/>, randomly initialised, in float32.</summary>
    IDualEncoder Build(IModelConfig config);
}
