namespace ClipTools.Run;

/// <summary>A command line that names inputs the command cannot use together (exit 2, one line).</summary>
public sealed class RunUsageException(string message) : Exception(message);
