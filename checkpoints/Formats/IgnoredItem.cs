namespace ClipTools.Checkpoints.Formats;

/// <summary>Something in the checkpoint that is not reported as a tensor, and why (metadata, name tables...).</summary>
public sealed record IgnoredItem(string Name, string Reason);
