using System.Diagnostics;
using ClipTools.Checkpoints.Formats;
using ClipTools.Testing;

namespace ClipTools.Converter.Tests.Hostile;

/// <summary>
/// The hand-made hostile files of fixtures/hostile (make_hostile.py says how each is built): each is refused with its
/// own <see cref="FormatErrorKind"/>, by the reader, and by the CLI with exit 2 and one line, quickly.
/// </summary>
public sealed class HostileFileTests
{
    public static string PathOf(string name) => RepositoryPaths.Fixture("hostile", name);

    public static TheoryData<string, FormatErrorKind> Refused() => new()
    {
        { "shared_lists.pdparams", FormatErrorKind.BudgetExceeded },
        { "shared_modules.pt", FormatErrorKind.BudgetExceeded },
        { "codecs_repeat.pdparams", FormatErrorKind.BudgetExceeded },
        { "zero_stride.pt", FormatErrorKind.BudgetExceeded },
        { "npz_huge_texts.npz", FormatErrorKind.BudgetExceeded },
        { "unbuilt_numpy.pdparams", FormatErrorKind.BadStructure },
        { "negative_origin_shape.pdparams", FormatErrorKind.NegativeSize },
        { "origin_shape_overflow.pdparams", FormatErrorKind.Overflow },
        { "frame_overrun.pdparams", FormatErrorKind.Truncated },
        { "huge_numel.pt", FormatErrorKind.Overflow },
        { "legacy_negative_view.pt", FormatErrorKind.NegativeSize },
        { "zip64_many_entries.pt", FormatErrorKind.BadZipDirectory },
        { "overlapping.npz", FormatErrorKind.OverlappingEntries },
        { "npz_declares_2g.npz", FormatErrorKind.BadCompression },
        { "npz_shape_overflow.npz", FormatErrorKind.Overflow },
        { "duplicate_keys.safetensors", FormatErrorKind.DuplicateName },
        { "huge_shape.safetensors", FormatErrorKind.Overflow },
        { "bad_deflate.npz", FormatErrorKind.BadCompression },
        { "deep_nesting.pdparams", FormatErrorKind.TooDeep },
        { "view_past_storage.pt", FormatErrorKind.OutOfBounds },
        { "dat_count_overflow.dat", FormatErrorKind.Truncated },
        { "dat_shape_overflow.dat", FormatErrorKind.Overflow },
        { "dat_huge_tensor.dat", FormatErrorKind.Truncated },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ReaderRefusesWithItsKind(string file, FormatErrorKind kind)
    {
        var e = Assert.Throws<CheckpointFormatException>(() =>
        {
            using var set = FormatDetector.Open(PathOf(file));
            foreach (var t in set.Tensors)
            {
                t.ReadBytes();
            }
        });
        Assert.Equal(kind, e.Kind);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void CliRefusesWithOneLineQuickly(string file, FormatErrorKind kind)
    {
        _ = kind;
        var clock = Stopwatch.StartNew();
        CliRunner.AssertOneLineError(PathOf(file));
        // Generous for a loaded CI machine; unbounded work (2^48 paths, gigabytes) would take minutes or never end.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{file} took {clock.Elapsed}");
    }

    [Fact]
    public void NamesWithTerminalControlsArePrintedEscaped()
    {
        var r = CliRunner.Run("inspect", PathOf("ansi_name.safetensors"));
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain('\u001b', r.Stdout);
        Assert.DoesNotContain('\0', r.Stdout);
        Assert.Contains("\\x1b[31mred\\x00", r.Stdout);
        Assert.DoesNotContain("\nfake line", r.Stdout);
    }

    [Fact]
    public void ReadBudgetOptionRaisesTheBudget()
    {
        // 200 MB from a 120 kB pickle: refused by default, read with a budget three times as large.
        Assert.Equal(2, CliRunner.Run("inspect", PathOf("codecs_repeat.pdparams")).ExitCode);
        var raised = CliRunner.Run("inspect", "--read-budget", "4", PathOf("codecs_repeat.pdparams"));
        Assert.DoesNotContain("budget", raised.Stderr);
        Assert.Equal(1, new ReadBudget(0).BytesLimit / ReadBudget.FixedBytes);
        Assert.Equal(4, new ReadBudget(0, 4).BytesLimit / ReadBudget.FixedBytes);
    }
}
