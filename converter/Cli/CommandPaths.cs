using ClipTools.Converter.Writers;

namespace ClipTools.Converter.Cli;

/// <summary>
/// Checks a command's file arguments before any work, so a message blames the right path: a folder given as the
/// input file, an input that does not exist, an output whose folder does not exist or that is itself a folder.
/// </summary>
public static class CommandPaths
{
    /// <summary>Throws <see cref="FileNotFoundException"/> (an <see cref="IOException"/>) when there is no file to read.</summary>
    public static void CheckInputFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException("is a folder, not a file", path);
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("no such file", path);
        }
    }

    /// <summary>Throws <see cref="OutputException"/> naming the output when it cannot be written where asked.</summary>
    public static void CheckOutputFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new OutputException($"{path}: the output is a folder; give a file name (.dat, .safetensors, .pdparams), or -o FOLDER for several inputs");
        }
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new OutputException($"{path}: the output's folder {folder} does not exist");
        }
    }

    /// <summary>Throws <see cref="OutputException"/> when an output folder does not exist or is a file.</summary>
    public static void CheckOutputFolder(string path)
    {
        if (File.Exists(path))
        {
            throw new OutputException($"{path}: the output folder is a file");
        }
        if (!Directory.Exists(path))
        {
            throw new OutputException($"{path}: the output folder does not exist");
        }
    }
}
