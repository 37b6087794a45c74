using System.Text.Json;
using ClipTools.Families.Official;
using ClipTools.Testing;

namespace ClipTools.ClipModel.Tests;

/// <summary>
/// The TorchSharp network built from each preset has exactly the state-dict names and shapes of the PyTorch
/// reference network built from the same preset (fixtures/presets, written by fixtures/make_fixtures.py).
/// </summary>
public class PresetShapeTests
{
    public static TheoryData<string> Presets => new(ClipPresets.All.Keys);

    [Theory]
    [MemberData(nameof(Presets))]
    public void StateDictMatchesPyTorchReference(string preset)
    {
        var expected = ReadReference(preset);
        using var model = new Clip(ClipPresets.Get(preset));
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        var missing = expected.Keys.Except(actual.Keys).ToList();
        var extra = actual.Keys.Except(expected.Keys).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: [{string.Join(", ", missing.Take(10))}] extra: [{string.Join(", ", extra.Take(10))}]");
        var wrongShapes = expected
            .Where(kv => !kv.Value.SequenceEqual(actual[kv.Key]))
            .Select(kv => $"{kv.Key}: expected [{string.Join(",", kv.Value)}], got [{string.Join(",", actual[kv.Key])}]")
            .ToList();
        Assert.Empty(wrongShapes);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void ComputedLayoutMatchesPyTorchReferenceInOrder(string preset)
    {
        var expected = ReadReference(preset).Select(kv => $"{kv.Key} [{string.Join(",", kv.Value)}]");
        var computed = ClipStateLayout.Expected(ClipPresets.Get(preset)).Select(e => $"{e.Name} [{string.Join(",", e.Shape)}]");
        Assert.Equal(expected, computed);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void ConfigInferredFromReferenceShapesIsThePreset(string preset)
    {
        Assert.Equal(ClipPresets.Get(preset), ClipConfigInference.FromShapes(ReadReference(preset), ClipActivation.QuickGelu));
    }

    private static Dictionary<string, long[]> ReadReference(string preset)
    {
        var file = RepositoryPaths.Fixture("presets", preset.Replace('/', '-').Replace('@', '-') + ".json");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        // input_resolution, context_length and vocab_size are buffers of the released archive, not of the network.
        var archiveOnly = json.RootElement.GetProperty("archive_only").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        // A dictionary enumerates in insertion order here, which is the reference's state-dict order.
        return json.RootElement.GetProperty("state_dict").EnumerateArray()
            .Where(e => !archiveOnly.Contains(e.GetProperty("name").GetString()))
            .ToDictionary(
            e => e.GetProperty("name").GetString()!,
            e => e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
    }
}
