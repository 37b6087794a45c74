using System.Globalization;

namespace ClipTools.Verifier.Metrics;

/// <summary>Elementwise tolerance, as numpy's <c>allclose</c>: an element passes when |c - r| &lt;= Atol + Rtol |r|.</summary>
public sealed record Tolerance(double Atol, double Rtol)
{
    public bool Accepts(double candidate, double reference) =>
        Math.Abs(candidate - reference) <= Atol + (Rtol * Math.Abs(reference));

    public override string ToString() => $"atol={Number(Atol)} rtol={Number(Rtol)}";

    // 1e-05, not 1E-05: the way tolerances are written on a command line.
    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    /// <summary>Parses <c>ATOL,RTOL</c> (invariant culture, e.g. <c>1e-5,1e-3</c>).</summary>
    /// <exception cref="FormatException">Not two non-negative numbers.</exception>
    public static Tolerance Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var atol)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rtol)
            && atol >= 0 && rtol >= 0)
        {
            return new Tolerance(atol, rtol);
        }
        throw new FormatException($"tolerance '{text}' is not ATOL,RTOL (two non-negative numbers, e.g. 1e-5,1e-3)");
    }
}
