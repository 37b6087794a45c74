namespace ClipTools.Converter.Writers;

/// <summary>
/// An output that cannot be written as asked (a dtype the format has no code for, two tensors with one name), or
/// one whose read-back differs from what was written. No output file exists when this is thrown.
/// </summary>
public sealed class OutputException(string what, Exception? inner = null) : Exception(what, inner);
