namespace ClipTools.Checkpoints.Families;

/// <summary>
/// One tensor of a family's canonical state dict: its name and shape, and whether it is an integer counter
/// (BatchNorm's <c>num_batches_tracked</c>) rather than a float weight.
/// </summary>
public sealed record StateEntry(string Name, long[] Shape, bool Integer = false);
