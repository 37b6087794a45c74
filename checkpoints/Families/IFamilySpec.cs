using System.Text.Json;
using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Checkpoints.Families;

/// <summary>
/// Everything about a model family that needs no libtorch: how its checkpoints are named, how a config follows from
/// a state dict, and what state dict a config has. The family's TorchSharp half (<c>IFamilyModel</c> in
/// ClipTools.Model) builds the network. Registered in <see cref="ClipTools.Families.FamilyRegistry"/>.
/// </summary>
public interface IFamilySpec
{
    /// <summary>Short id: the fixture manifest's <c>family</c>, the <c>family</c> metadata of converted weights.</summary>
    string Name { get; }

    string Title { get; }

    /// <summary>
    /// The namings this family's checkpoints come in; the first is canonical (its names are
    /// <see cref="ExpectedState"/>'s). Their signatures are the family's signature check on key names: they match
    /// keys of this family only.
    /// </summary>
    IReadOnlyList<Layout> Layouts { get; }

    /// <summary>
    /// The metadata keys <see cref="InferConfig"/> reads (what the shapes cannot tell: the activation, head counts...);
    /// <c>--meta KEY=VALUE</c> with another key is refused, naming these.
    /// </summary>
    IReadOnlyList<string> MetadataKeys { get; }

    /// <summary>Named released configs, to cross-check a checkpoint against (<c>--model</c>).</summary>
    IReadOnlyDictionary<string, IModelConfig> Presets { get; }

    /// <summary>
    /// The config of a canonical state dict, from its shapes and, where shapes cannot tell, from
    /// <paramref name="metadata"/>. Throws <see cref="Formats.CheckpointFormatException"/> (one line naming the key,
    /// or the option that supplies what is missing) when the config cannot be known.
    /// </summary>
    IModelConfig InferConfig(IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, string> metadata);

    /// <summary>The canonical state dict of <paramref name="config"/>, in the model's order, without building it.</summary>
    IReadOnlyList<StateEntry> ExpectedState(IModelConfig config);

    /// <summary>A fixture manifest's <c>model</c> object (snake_case fields) as a config.</summary>
    IModelConfig ReadConfig(JsonElement model);

    /// <summary>Each field where two configs of this family differ, as <c>field a vs b</c>.</summary>
    IEnumerable<string> Differences(IModelConfig a, IModelConfig b);
}
