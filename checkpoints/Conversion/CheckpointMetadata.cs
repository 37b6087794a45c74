using System.Text.Json;
using ClipTools.Checkpoints.Families;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Conversion;

/// <summary>
/// What is known of a checkpoint besides its shapes, gathered from every place it can come from: the file's own
/// metadata (our safetensors keys, a TorchScript archive's code classes), the files beside it (a Hugging Face
/// <c>config.json</c>, the <c>.dat.json</c> sidecar of converted weights) and the options (<c>--act</c>). Two places
/// that disagree are an error, never a choice.
/// </summary>
public static class CheckpointMetadata
{
    /// <summary>The keys our own writers put in a safetensors header or sidecar that are read back.</summary>
    private static readonly string[] OwnKeys = [ModelMetadata.Family, "activation"];

    public static Dictionary<string, string> Gather(TensorSet input, string? sourcePath, ConversionOptions options)
    {
        var gathered = new Dictionary<string, (string Value, string From)>(StringComparer.Ordinal);
        void Add(string key, string value, string from)
        {
            if (gathered.TryGetValue(key, out var known) && known.Value != value)
            {
                throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"{key}: {known.From} says '{known.Value}' but {from} says '{value}'");
            }
            gathered.TryAdd(key, (value, from));
        }

        // Weights our converter wrote name their family; then every key they carry besides the safetensors "format"
        // and the source layout is that family's config metadata (the tutorial family's head counts, ...).
        var ours = input.Metadata.ContainsKey(ModelMetadata.Family);
        foreach (var (key, value) in input.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (OwnKeys.Contains(key) || (ours && key is not ("format" or ModelMetadata.Layout)))
            {
                Add(key, value, "the file's metadata");
            }
        }
        if (input.Metadata.TryGetValue(ModelMetadata.TorchScriptClasses, out var classes))
        {
            Add(ModelMetadata.TorchScriptClasses, classes, "the archive's code");
        }
        if (sourcePath is not null)
        {
            foreach (var (key, value, from) in BesideFiles(sourcePath))
            {
                Add(key, value, from);
            }
        }
        if (options.Activation is { } act)
        {
            Add("activation", act, "--act");
        }
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
        {
            Add(key, value, $"--meta {key}");
        }
        return gathered.ToDictionary(g => g.Key, g => g.Value.Value, StringComparer.Ordinal);
    }

    /// <summary>The sidecar written next to converted <c>.dat</c> weights: <c>RN50.dat</c> → <c>RN50.dat.json</c>.</summary>
    public static string SidecarPath(string weightsPath) => weightsPath + ".json";

    /// <summary>
    /// Writes <paramref name="metadata"/> as the sidecar of <paramref name="weightsPath"/>: a JSON object of strings,
    /// written to a temporary file and renamed, so it is complete or absent.
    /// </summary>
    public static void WriteSidecar(string weightsPath, IReadOnlyDictionary<string, string> metadata)
    {
        var target = SidecarPath(Path.GetFullPath(weightsPath));
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        try
        {
            using (var stream = File.Create(temporary))
            {
                WriteSidecarJson(stream, metadata);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The family first, then the other keys in ordinal order, indented by two spaces, "\n" line ends and a closing one.
    /// Written with a <see cref="Utf8JsonWriter"/>, not serialized by reflection, so a trimmed NativeAOT build writes it too.
    /// </summary>
    private static void WriteSidecarJson(Stream stream, IReadOnlyDictionary<string, string> metadata)
    {
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, IndentSize = 2, NewLine = "\n" }))
        {
            json.WriteStartObject();
            foreach (var (key, value) in metadata.OrderBy(m => m.Key == ModelMetadata.Family ? 0 : 1).ThenBy(m => m.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    private static IEnumerable<(string Key, string Value, string From)> BesideFiles(string sourcePath)
    {
        var sidecar = SidecarPath(sourcePath);
        if (File.Exists(sidecar))
        {
            foreach (var (key, value) in ReadJsonObject(sidecar).EnumerateObject().Select(p => (p.Name, p.Value)))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"{Path.GetFileName(sidecar)}: '{key}' is not a string");
                }
                yield return (key, value.GetString()!, Path.GetFileName(sidecar));
            }
        }
        var huggingFace = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sourcePath))!, "config.json");
        if (File.Exists(huggingFace) && ReadJsonObject(huggingFace) is var config && HuggingFaceConfig.IsClip(config))
        {
            foreach (var entry in HuggingFaceConfig.Entries(config))
            {
                yield return entry;
            }
        }
    }

    private static JsonElement ReadJsonObject(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"{Path.GetFileName(path)}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadMetadata, $"{Path.GetFileName(path)}: not valid JSON ({e.Message.Split(". ")[0]})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(FormatErrorKind.CannotOpen, $"{Path.GetFileName(path)}: cannot read ({e.Message})");
        }
    }
}
