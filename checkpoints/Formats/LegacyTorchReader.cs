using System.Buffers.Binary;
using System.Collections;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads the pre-1.6 <c>torch.save</c> stream: pickled magic number, protocol version and system info, the pickled
/// object (storages as persistent ids), the pickled list of storage keys, then for each key an int64 element count
/// followed by the raw storage bytes. Only the pickles are read into memory; storages stay in the file.
/// </summary>
public static class LegacyTorchReader
{
    private const long MaxPickleBytes = 512L << 20;

    public static TensorSet Read(CheckpointFile file)
    {
        long at = 0;
        var magic = LoadAt(file, ref at, "magic number");
        if (magic.Root is not System.Numerics.BigInteger and not long || magic.Root.ToString() != "119547037146038801333356")
        {
            throw new CheckpointFormatException(FormatErrorKind.BadHeader, "legacy magic number is wrong", new FormatPlace("magic number", 0));
        }
        var protocolAt = at;
        var protocol = LoadAt(file, ref at, "protocol version");
        if (protocol.Root is not 1001)
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"legacy protocol version {protocol.Root} is not 1001", new FormatPlace("protocol version", protocolAt));
        }
        var sysInfo = LoadAt(file, ref at, "sys_info");
        if (sysInfo.Root is Hashtable info && info["little_endian"] is false)
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, "big-endian legacy file is not supported", new FormatPlace("sys_info"));
        }
        var storages = new Dictionary<string, TorchStorageRef>(StringComparer.Ordinal);
        var objectAt = at;
        var root = LoadAt(file, ref at, "object", pid =>
        {
            var s = TorchTensors.ParseStorageId(pid, "object");
            storages.TryAdd(s.ViewOf?.Key ?? s.Key, s.ViewOf is null ? s : s with { Key = s.ViewOf.Value.Key, ViewOf = null });
            return s;
        });
        var keysAt = at;
        var keys = LoadAt(file, ref at, "storage keys");
        if (keys.Root is not ArrayList keyList || keyList.Cast<object>().Any(k => k is not string))
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, "storage key list is not a list of strings", new FormatPlace("storage keys", keysAt));
        }
        // Storages follow in the key list's order: int64 element count, then the elements.
        var located = new Dictionary<string, (long Offset, long Bytes)>(StringComparer.Ordinal);
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keyList)
        {
            var place = new FormatPlace($"storage {key}", at);
            if (!storages.TryGetValue(key, out var storage))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, "storage key is not used by any tensor", place);
            }
            file.ReadExactly(at, count, place);
            var numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            var size = storage.DType.Size();
            if (numel < 0 || numel > (file.Length - at - 8) / size)
            {
                throw new CheckpointFormatException(numel < 0 ? FormatErrorKind.NegativeSize : FormatErrorKind.Truncated, $"storage declares {numel} elements, more than the file holds", place);
            }
            located[key] = (at + 8, numel * size);
            at += 8 + numel * size;
        }
        TensorEntry ToEntry(string name, object value)
        {
            var t = (TorchTensorRef)value;
            var key = t.Storage.ViewOf?.Key ?? t.Storage.Key;
            if (!located.TryGetValue(key, out var where))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"storage '{key}' is not in the file", new FormatPlace("object", Key: name));
            }
            var offset = t.Storage.ViewOf?.Offset ?? 0;
            var size = t.Storage.DType.Size();
            if (offset < 0 || offset > where.Bytes / size)
            {
                throw new CheckpointFormatException(FormatErrorKind.OutOfBounds, $"storage view starts at element {offset}, outside its storage of {where.Bytes} bytes",
                    new FormatPlace($"storage {key}", Key: name));
            }
            return TorchTensors.ToEntry(name, t, file, where.Offset + offset * size, where.Bytes - offset * size, new FormatPlace($"storage {key}"));
        }
        var walker = new StateDictWalker(root.Scan.FirstOffsets, v => v is TorchTensorRef, ToEntry, new FormatPlace("object", objectAt), file.Budget);
        walker.WalkRoot(root.Root);
        TorchZipReader.CheckUniqueNames(walker.Tensors, "object");
        return new TensorSet(CheckpointFormat.TorchLegacy, $"PyTorch legacy file, {keyList.Count} storages", walker.Tensors, walker.Ignored,
            new Dictionary<string, string>(), walker.WrapperKey, file);
    }

    /// <summary>Loads the pickle at <paramref name="at"/>, reading only as much of the file as it spans.</summary>
    private static SafeUnpickler.Loaded LoadAt(CheckpointFile file, ref long at, string entry, Func<object, object>? persistentLoad = null)
    {
        var chunk = Math.Min(64L << 10, file.Length - at);
        while (true)
        {
            var bytes = file.ReadBytes(at, chunk, new FormatPlace(entry, at));
            try
            {
                var scan = PickleScanner.Scan(bytes, 0, entry, allowTorchScriptClasses: false, at);
                var exact = bytes.AsSpan(0, scan.End).ToArray();
                var loaded = SafeUnpickler.Load(exact, entry, file.Budget, false, persistentLoad, at);
                at += scan.End;
                return loaded;
            }
            catch (PickleScanner.TruncatedException t)
            {
                if (chunk >= file.Length - at || chunk >= MaxPickleBytes)
                {
                    throw t.Error.At(new FormatPlace(entry)) is var e && e.Where.Offset is long o
                        ? new CheckpointFormatException(e.Kind, e.What, e.Where with { Offset = o + at })
                        : t.Error;
                }
                chunk = Math.Min(chunk * 4, Math.Min(file.Length - at, MaxPickleBytes));
            }
        }
    }
}
