namespace ClipTools.Verifier.Runner;

/// <summary>
/// How the candidate was run. Chained: end to end, so error accumulates from tap to tap (a dump from another port
/// is chained). Isolated: every block fed the reference's input to that block, so each block's own error shows alone.
/// </summary>
public enum RunMode
{
    Chained,
    Isolated,
}
