namespace ClipTools.Verifier.Commands;

/// <summary>A command line that cannot be acted on.</summary>
internal sealed class UsageException(string message) : Exception(message);
