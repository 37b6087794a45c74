namespace ClipTools.Verifier.Commands;

/// <summary>Renders rows as a plain aligned text table; the first row is the header.</summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        string Line(string[] row) => string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
        var separator = string.Join("  ", widths.Select(w => new string('-', w)));
        return string.Join(Environment.NewLine, [Line(rows[0]), separator, .. rows.Skip(1).Select(Line)]);
    }
}
