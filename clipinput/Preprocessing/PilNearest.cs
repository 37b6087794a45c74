namespace ClipTools.Input.Preprocessing;

/// <summary>
/// PIL's NEAREST resize (Pillow's affine scaling): source column <c>(int)x0</c> with <c>x0 = scale / 2</c>, then
/// <c>x0 += scale</c> per output column (accumulated, as Pillow does), rows alike. The official pipeline gets it for
/// palette and 1-bit images, which Pillow never resizes with another filter.
/// </summary>
public static class PilNearest
{
    public static byte[] Resize(byte[] pixels, int width, int height, int channels, int newWidth, int newHeight)
    {
        if (newWidth == width && newHeight == height)
        {
            return pixels;
        }
        var columns = SourceIndices(width, newWidth);
        var rows = SourceIndices(height, newHeight);
        var output = new byte[newWidth * newHeight * channels];
        for (var y = 0; y < newHeight; y++)
        {
            for (var x = 0; x < newWidth; x++)
            {
                Array.Copy(pixels, (rows[y] * width + columns[x]) * channels, output, (y * newWidth + x) * channels, channels);
            }
        }
        return output;
    }

    private static int[] SourceIndices(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var indices = new int[outSize];
        var position = scale * 0.5;
        for (var i = 0; i < outSize; i++)
        {
            indices[i] = Math.Min((int)position, inSize - 1);
            position += scale;
        }
        return indices;
    }
}
