using System.Text;
using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Tests.Layouts;

namespace ClipTools.Converter.Tests.Hostile;

/// <summary>
/// One negative case per <see cref="FormatErrorKind"/>, each a file or a byte buffer (or, for the conversion's checks,
/// a hand-made tensor set) that triggers exactly that kind. The theory runs over every value of the enum, and the
/// switch in <see cref="Trigger"/> has no default arm, so a new kind without a case does not build.
/// </summary>
public sealed class FormatErrorKindTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("clip-kind-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<FormatErrorKind> Kinds() => [.. Enum.GetValues<FormatErrorKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryKindHasACaseThatTriggersExactlyIt(FormatErrorKind kind)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Trigger(kind));
        Assert.True(kind == e.Kind, $"expected {kind}, got {e.Kind}: {e.ToOneLine()}");
        Assert.DoesNotContain('\n', e.ToOneLine());
    }

#pragma warning disable CS8524 // Unnamed enum values are not kinds; a missing named one (CS8509) still fails the build.
    private void Trigger(FormatErrorKind kind)
    {
        Action run = kind switch
        {
            FormatErrorKind.CannotOpen => () => Open(Path.Combine(dir, "no such file.pt")),
            FormatErrorKind.UnknownFormat => () => Open(Write("text.pt", Encoding.ASCII.GetBytes("just some text, not a checkpoint"))),
            FormatErrorKind.Truncated => () => OpenHostile("frame_overrun.pdparams"),
            FormatErrorKind.TrailingBytes => () => Open(Write("trailing.dat", [.. DatEntry(1), .. "w"u8, 0x06, 0x01, 0x01, 0, 0, 0, 0, 0x2a])),
            FormatErrorKind.BadZipDirectory => () => OpenHostile("zip64_many_entries.pt"),
            FormatErrorKind.OverlappingEntries => () => OpenHostile("overlapping.npz"),
            FormatErrorKind.BadCompression => () => OpenHostile("bad_deflate.npz"),
            FormatErrorKind.BadPickle => () => Open(Write("opcode.pdparams", [0x80, 0x02, 0xff, (byte)'.'])),
            FormatErrorKind.RefusedGlobal => () => Open(Write("global.pdparams", [0x80, 0x02, .. "cos\nsystem\n"u8, .. "X\u0002\0\0\0ls"u8, 0x85, (byte)'R', (byte)'.'])),
            FormatErrorKind.Overflow => () => OpenHostile("huge_numel.pt"),
            FormatErrorKind.NegativeSize => () => OpenHostile("negative_origin_shape.pdparams"),
            FormatErrorKind.OutOfBounds => () => OpenHostile("view_past_storage.pt"),
            FormatErrorKind.BudgetExceeded => () => OpenHostile("codecs_repeat.pdparams"),
            FormatErrorKind.LimitExceeded => () => Open(Write("rank17.dat", [.. DatEntry(1), .. "w"u8, 0x06, 17, .. new byte[17]])),
            FormatErrorKind.TooDeep => () => OpenHostile("deep_nesting.pdparams"),
            FormatErrorKind.DuplicateName => () => OpenHostile("duplicate_keys.safetensors"),
            FormatErrorKind.Unsupported => () => Open(Write("dtype.safetensors", Safetensors("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1))),
            FormatErrorKind.BadHeader => () => Open(Write("header.safetensors", [.. BitConverter.GetBytes(8L), .. "{\"w\":[} "u8])),
            FormatErrorKind.BadStructure => () => OpenHostile("unbuilt_numpy.pdparams"),
            FormatErrorKind.SizeMismatch => () => Open(Write("short.safetensors", Safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4))),
            FormatErrorKind.NotClip => () => Convert([("fc.weight", DType.Float32, [2, 2], new byte[16])]),
            FormatErrorKind.MixedLayouts => () => Convert(Rn().Select((t, i) => i == 0 ? ("module." + t.Name, t.DType, t.Shape, t.Bytes) : t)),
            FormatErrorKind.MissingKey => () => Convert(Rn().Where(t => t.Name != "visual.layer2.1.bn2.bias")),
            FormatErrorKind.UnexpectedKey => () => Convert(Rn().Append(("visual.fc.weight", DType.Float32, [2], new byte[8]))),
            FormatErrorKind.ShapeMismatch => () => Convert(Rn().Select(t => t.Name == "transformer.resblocks.1.mlp.c_fc.bias" ? (t.Name, t.DType, new long[] { 255 }, new byte[510]) : t)),
            FormatErrorKind.DTypeMismatch => () => Convert(Rn().Select(t => t.Name == "ln_final.bias" ? (t.Name, DType.Int32, t.Shape, t.Bytes) : t)),
            FormatErrorKind.NonFinite => () => Convert(Rn().Select(t => t.Name == "text_projection" ? (t.Name, t.DType, t.Shape, Poke(t.Bytes, 6, 0x00, 0x7e)) : t)),
            FormatErrorKind.ValueOverflow => () => Convert(Rn().Select(t => t.Name == "ln_final.weight" ? (t.Name, t.DType, t.Shape, Poke(t.Bytes, 0, BitConverter.GetBytes(70000f))) : t),
                new ConversionOptions(Activation: "quick_gelu", DType: OutputDType.Float16)),
            FormatErrorKind.BadMetadata => () => Convert(Rn(), new ConversionOptions(Activation: "relu")),
            FormatErrorKind.UnknownModel => () => Convert(Rn(), new ConversionOptions(Activation: "quick_gelu", Model: "RN51")),
            FormatErrorKind.ModelMismatch => () => Convert(Rn(), new ConversionOptions(Activation: "quick_gelu", Model: "RN50")),
        };
        run();
    }
#pragma warning restore CS8524

    private static byte[] DatEntry(int count) => [(byte)count, 1];

    private static void OpenHostile(string name) => Open(HostileFileTests.PathOf(name));

    private static void Open(string path)
    {
        using var set = FormatDetector.Open(path);
        foreach (var t in set.Tensors)
        {
            t.ReadBytes();
        }
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Safetensors(string header, int dataBytes)
    {
        var text = Encoding.ASCII.GetBytes(header);
        return [.. BitConverter.GetBytes((long)text.Length), .. text, .. new byte[dataBytes]];
    }

    private static List<(string Name, DType DType, long[] Shape, byte[] Bytes)> Rn() => LayoutFixtures.Official("tiny_rn");

    private static void Convert(IEnumerable<(string, DType, long[], byte[])> tensors, ConversionOptions? options = null)
    {
        using var set = LayoutFixtures.InMemory(tensors);
        var result = ConversionPipeline.Run(set, options ?? new ConversionOptions(Activation: "quick_gelu"));
        foreach (var t in result.Tensors)
        {
            t.ReadBytes();
        }
    }

    private static byte[] Poke(byte[] bytes, int at, params byte[] values)
    {
        var copy = (byte[])bytes.Clone();
        values.CopyTo(copy, at);
        return copy;
    }
}
