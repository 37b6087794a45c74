namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Turns a PyTorch tensor description (storage, offset, shape, strides) into a <see cref="TensorEntry"/> over the
/// storage's bytes in the file, after checking that the storage holds every element the view reaches.
/// </summary>
public static class TorchTensors
{
    public static TensorEntry ToEntry(string name, TorchTensorRef t, CheckpointFile file, long storageFileOffset, long storageBytes,
        FormatPlace place)
    {
        var where = place with { Key = name };
        var dtype = t.Storage.DType;
        var size = dtype.Size();
        if (t.Shape.Length != t.Strides.Length)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"tensor has {t.Shape.Length} dimensions but {t.Strides.Length} strides", where);
        }
        if (t.Shape.Any(d => d < 0) || t.Strides.Any(s => s < 0) || t.StorageOffset < 0 || t.Storage.ElementCount < 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.NegativeSize, "tensor has a negative size, stride or offset", where);
        }
        var numel = TensorEntry.ElementCountOf(t.Shape, where);
        _ = TensorEntry.ByteCountOf(t.Shape, dtype, where);
        long maxIndex = t.StorageOffset;
        for (var d = 0; d < t.Shape.Length && numel > 0; d++)
        {
            // Both factors are non-negative; the sum stays below 2^63 or the view is refused.
            var step = t.Strides[d] == 0 ? 0 : (t.Shape[d] - 1 > (long.MaxValue - maxIndex) / t.Strides[d] ? -1 : (t.Shape[d] - 1) * t.Strides[d]);
            if (step < 0)
            {
                throw new CheckpointFormatException(FormatErrorKind.Overflow, "tensor view overflows 64-bit offsets", where);
            }
            maxIndex += step;
        }
        if (t.Storage.ElementCount > storageBytes / size)
        {
            throw new CheckpointFormatException(
                FormatErrorKind.SizeMismatch, $"storage '{t.Storage.Key}' is shorter than declared: {storageBytes} bytes for {t.Storage.ElementCount} {dtype.Name()} elements", where);
        }
        if (numel > 0 && maxIndex >= t.Storage.ElementCount)
        {
            throw new CheckpointFormatException(
                FormatErrorKind.OutOfBounds, $"storage '{t.Storage.Key}' is shorter than the tensor needs: element {maxIndex} of {t.Storage.ElementCount}", where);
        }
        var start = new FileRangeBytes(file, storageFileOffset + t.StorageOffset * size, where);
        if (numel == 0 || IsContiguous(t.Shape, t.Strides))
        {
            return new TensorEntry(name, dtype, t.Shape, start);
        }
        var span = maxIndex - t.StorageOffset + 1;
        return new TensorEntry(name, dtype, t.Shape, new StridedBytes(start, span, size, 0, t.Shape, t.Strides));
    }

    public static bool IsContiguous(IReadOnlyList<long> shape, IReadOnlyList<long> strides)
    {
        long expected = 1;
        for (var d = shape.Count - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != expected)
            {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /// <summary>Reads a persistent id <c>('storage', storage_type, key, location, numel[, view_metadata])</c>.</summary>
    public static TorchStorageRef ParseStorageId(object pid, string entry)
    {
        var place = new FormatPlace(entry);
        if (pid is not object[] { Length: >= 5 } t || t[0] is not "storage")
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, "persistent id is not a ('storage', ...) tuple", place);
        }
        var type = PickleGlobals.StorageTypeOf(t[1])
            ?? throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"unknown storage type {PickleValues.Describe(t[1])}", place);
        if (t[2] is not string key)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, "storage key is not a string", place);
        }
        var storage = new TorchStorageRef(key, type.DType, PickleValues.ToLong(t[4]), t[3] as string ?? "");
        if (t.Length >= 6 && t[5] is object[] { Length: 3 } view && view[0] is string viewKey)
        {
            // Legacy files: (view_key, offset, size): this key names a view into the root storage.
            var offset = PickleValues.ToLong(view[1]);
            if (offset < 0)
            {
                throw new CheckpointFormatException(FormatErrorKind.NegativeSize, $"storage view '{viewKey}' starts at element {offset}, before its storage", place);
            }
            return storage with { Key = viewKey, ViewOf = (key, offset) };
        }
        return storage;
    }
}
