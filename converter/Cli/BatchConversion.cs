using ClipTools.Checkpoints.Conversion;
using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>
/// <c>clip-convert A.pt B.pt ... -o FOLDER</c>: each input to FOLDER/NAME.EXT, one after another. A file that fails
/// (bad input, or a bug) is reported in one line and the rest still convert; the exit code is then that of the
/// worst failure (2 bad input, 3 internal error), after a closing summary.
/// </summary>
public static class BatchConversion
{
    public static int Run(IReadOnlyList<string> inputs, string folder, OutputFormat format, ConversionOptions options,
        OutputMode mode, TextWriter stdout, TextWriter stderr)
    {
        var folderCheck = ErrorReporting.Run(stderr, folder, () => CommandPaths.CheckOutputFolder(folder));
        if (folderCheck != ErrorReporting.Ok)
        {
            return folderCheck;
        }
        // Two inputs named alike would write one output twice: refuse before converting anything.
        var clash = inputs.GroupBy(i => OutputName(i, format), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            stderr.WriteLine($"clip-convert: error: {string.Join(" and ", clash)} would both be written to {Path.Combine(folder, clash.Key)}; convert them separately");
            return ErrorReporting.BadInput;
        }

        var converted = new List<ConversionReport>();
        var failed = new List<(string Input, int Code, string Error)>();
        foreach (var input in inputs)
        {
            var source = Path.GetFullPath(input);
            var error = new StringWriter();
            ConversionReport? report = null;
            var code = ErrorReporting.Run(error, source, () =>
                report = ConvertCommand.Convert(source, Path.Combine(folder, OutputName(input, format)), options,
                    mode is OutputMode.Quiet or OutputMode.Json ? null : stderr));
            if (report is not null)
            {
                converted.Add(report);
                if (mode is OutputMode.Summary)
                {
                    stdout.WriteLine(report.ToLine());
                }
                else if (mode is OutputMode.Verbose)
                {
                    stdout.WriteLine(report.ToText(complete: true));
                    stdout.WriteLine();
                }
                continue;
            }
            var line = error.ToString().TrimEnd();
            stderr.WriteLine(line);
            failed.Add((input, code, line));
        }

        var exit = failed.Count == 0 ? ErrorReporting.Ok : failed.Max(f => f.Code);
        if (mode is OutputMode.Json)
        {
            stdout.WriteLine(JsonOutput.Indented(json =>
            {
                json.WriteStartObject();
                json.WriteStartArray("converted");
                foreach (var report in converted)
                {
                    report.WriteJson(json);
                }
                json.WriteEndArray();
                json.WriteStartArray("failed");
                foreach (var (input, code, error) in failed)
                {
                    json.WriteStartObject();
                    json.WriteString("input", input);
                    json.WriteNumber("exit_code", code);
                    json.WriteString("error", error);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteNumber("exit_code", exit);
                json.WriteEndObject();
            }));
        }
        else if (failed.Count > 0)
        {
            // The summary goes with the errors: stdout may be a pipe that only wants the successes.
            stderr.WriteLine($"clip-convert: converted {converted.Count} of {inputs.Count}; failed: {string.Join(", ", failed.Select(f => f.Input))}");
        }
        else if (mode is not OutputMode.Quiet)
        {
            stdout.WriteLine($"converted {converted.Count} of {inputs.Count} into {folder}");
        }
        return exit;
    }

    public static string OutputName(string input, OutputFormat format) =>
        Path.GetFileNameWithoutExtension(input) + "." + format.Name();
}
