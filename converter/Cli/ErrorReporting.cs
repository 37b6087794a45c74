using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>Turns a reader's error into one line on stderr and an exit code; nothing deeper ever prints.</summary>
public static class ErrorReporting
{
    public const int Ok = 0;

    /// <summary>The input is malformed or not a checkpoint this tool reads.</summary>
    public const int BadInput = 2;

    /// <summary>A bug: something failed that no input should make fail.</summary>
    public const int InternalError = 3;

    public static int Run(TextWriter stderr, string file, Action action)
    {
        try
        {
            action();
            return Ok;
        }
        catch (CheckpointFormatException e)
        {
            stderr.WriteLine($"clip-convert: error: {file}: {e.ToOneLine()}");
            return BadInput;
        }
        catch (OutputException e)
        {
            stderr.WriteLine($"clip-convert: error: {e.Message.ReplaceLineEndings(" ")} (no output written)");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"clip-convert: error: {file}: {e.Message.ReplaceLineEndings(" ")}");
            return BadInput;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"clip-convert: internal error: {file}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return InternalError;
        }
    }
}
