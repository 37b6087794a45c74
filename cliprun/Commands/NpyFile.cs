using System.Text;
using ClipTools.Converter.Writers;

namespace ClipTools.Run.Commands;

/// <summary>Writes a float32 array as a numpy <c>.npy</c> (format 1.0), through a temporary file renamed into place.</summary>
internal static class NpyFile
{
    public static void WriteFloat32(string path, float[] values, IReadOnlyList<int> shape)
    {
        var shapeText = shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Magic, version, header length, then the header padded with spaces to a multiple of 64 and a newline.
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            throw new OutputException($"{path}: the folder {directory} does not exist");
        }
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
                file.Write(BitConverter.GetBytes(checked((ushort)header.Length)));
                file.Write(Encoding.ASCII.GetBytes(header));
                var bytes = new byte[values.Length * 4];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("big-endian hosts");
                }
                file.Write(bytes);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
