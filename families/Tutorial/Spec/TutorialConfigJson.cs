using System.Text.Json.Serialization;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// A manifest's model as a <see cref="TutorialClipConfig"/>: snake_case names, an unknown one refused. Source-generated
/// so it needs no reflection (the NativeAOT clip-convert links this assembly).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(TutorialClipConfig))]
internal sealed partial class TutorialConfigJson : JsonSerializerContext;
