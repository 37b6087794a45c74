namespace ClipTools.Verifier.Metrics;

/// <summary>One element of a tap: where it is (row-major offset and multi-index) and both values there.</summary>
public sealed record WorstElement(long FlatIndex, long[] Index, double Candidate, double Reference)
{
    public double AbsError => Math.Abs(Candidate - Reference);
}
