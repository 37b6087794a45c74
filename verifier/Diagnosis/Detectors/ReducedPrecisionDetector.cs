namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// Activations rounded to float16 or bfloat16: every value of the candidate's failing tap lies on that format's
/// grid (a float32 result lands on the float16 grid by chance with probability 2^-13 per value, on bfloat16's with
/// 2^-16), and the error against the reference rounded the same way says how much of the failure the rounding is.
/// Needs no model.
/// </summary>
public sealed class ReducedPrecisionDetector : IFaultDetector
{
    /// <summary>Fewer non-zero values than this could lie on a grid by chance too often to name a cause.</summary>
    public const int MinValues = 4;

    /// <summary>The share of non-zero values that must lie on the grid (values out of float16's range never do).</summary>
    public const double GridShare = 0.999;

    public string Cause => Causes.ReducedPrecision;

    public FaultDiagnosis? Examine(DiagnosisContext context)
    {
        if (context.Candidate is not { } candidate || context.Reference is not { } reference)
        {
            return null;
        }
        var values = candidate.Where(v => v != 0 && double.IsFinite(v)).ToList();
        if (values.Count < MinValues)
        {
            return null;
        }
        // bfloat16 first: a bfloat16 value within float16's range is on float16's grid too.
        foreach (var (format, round) in new (string, Func<double, double>)[] { ("bfloat16", ToBFloat16), ("float16", ToFloat16) })
        {
            var onGrid = values.Count(v => round(v) == v);
            if (onGrid < GridShare * values.Count)
            {
                continue;
            }
            var rounded = reference.Select(round).ToArray();
            var fit = new AlternativeFit(AlternativeFit.RmsDifference(candidate, reference), AlternativeFit.RmsDifference(candidate, rounded));
            // The grid is the decisive evidence; the fit says whether rounding is the whole error or a part of it.
            return new FaultDiagnosis(Cause, context.Tap,
                $"{format}: {onGrid} of {values.Count} non-zero values lie on the {format} grid; against the reference rounded to {format}, {fit}",
                Math.Max(0.5, fit.Support));
        }
        return null;
    }

    /// <summary>Round to nearest even, as a cast to float16 does (through float32, as a port would).</summary>
    public static double ToFloat16(double value) => (double)(Half)(float)value;

    /// <summary>Round to nearest even on bfloat16's 8-bit significand, as torch's cast does.</summary>
    public static double ToBFloat16(double value)
    {
        var f = (float)value;
        if (!float.IsFinite(f))
        {
            return f;
        }
        var bits = BitConverter.SingleToUInt32Bits(f);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }
}
