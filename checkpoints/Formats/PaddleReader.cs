using System.Collections;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads Paddle's <c>.pdparams</c>: a pickle (protocol 2 to 4) of a dict of numpy arrays, as written by
/// <c>paddle.save</c> and Paddle 1.x <c>save_dygraph</c>. Understands the <c>StructuredToParameterName@@</c> name
/// table, arrays split into <c>name@@.N</c> slices described by <c>UnpackBigParamInfor@@</c>, tensors pickled as
/// <c>(name, ndarray)</c> tuples, and bf16 kept as uint16 bits (reported as uint16: the bytes cannot tell).
/// The arrays' bytes are inline in the pickle; <see cref="PickleSkeleton"/> leaves the large ones in the file, so
/// each array reads from its range of the file and the file is never whole in memory (protocol 2 files, where numpy
/// data is a latin-1 text through <c>_codecs.encode</c>, are the exception: those bytes are decoded in memory).
/// </summary>
public static class PaddleReader
{
    private const string NameTableKey = "StructuredToParameterName@@";
    private const string SplitInfoKey = "UnpackBigParamInfor@@";

    public static TensorSet Read(CheckpointFile file)
    {
        const string entry = "pickle";
        var skeleton = PickleSkeleton.Read(file);
        SafeUnpickler.Loaded loaded;
        try
        {
            loaded = SafeUnpickler.Load(skeleton.Pickle, entry, file.Budget);
        }
        catch (CheckpointFormatException e) when (e.Where.Offset is long at)
        {
            // The scanner counts in the skeleton; the user needs the place in the file.
            throw new CheckpointFormatException(e.Kind, e.What, e.Where with { Offset = skeleton.FileOffsetOf(at) }, e.InnerException);
        }
        var place = new FormatPlace(entry);
        TensorEntry ToEntry(string name, object value) => PaddleReader.ToEntry(name, value, file, skeleton);
        var walker = new StateDictWalker(loaded.Scan.FirstOffsets, IsTensor, ToEntry, place, file.Budget);
        var ignored = new List<IgnoredItem>();
        var tensors = new List<TensorEntry>();
        var tupleNames = 0;

        if (loaded.Root is object[] single && IsTensor(single))
        {
            tensors.Add(ToEntry((string)single[0]!, single));
        }
        else if (loaded.Root is Hashtable dict)
        {
            var split = ReadSplitInfo(dict[SplitInfoKey], place);
            var slices = new HashSet<string>(split.SelectMany(s => s.Slices), StringComparer.Ordinal);
            if (split.Any(s => s.Slices.Count == 0))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, "split array without slices", place with { Key = SplitInfoKey });
            }
            foreach (var (key, value) in walker.Ordered(dict))
            {
                if (key == NameTableKey)
                {
                    ignored.Add(new IgnoredItem(key, $"Paddle name table ({(value as Hashtable)?.Count ?? 0} parameter names)"));
                }
                else if (key == SplitInfoKey)
                {
                    ignored.Add(new IgnoredItem(key, $"Paddle split-array table ({split.Count} arrays joined from slices)"));
                }
                else if (slices.Contains(key))
                {
                    // The joined array takes the place of its first slice, where the original array was.
                    foreach (var (name, shape, parts) in split.Where(s => s.Slices[0] == key))
                    {
                        tensors.Add(Join(name, shape, parts, dict, place, ToEntry));
                    }
                }
                else if (IsTensor(value))
                {
                    if (value is object[])
                    {
                        tupleNames++;
                    }
                    tensors.Add(ToEntry(key, value!));
                }
                else if (value is Hashtable or object[] or ArrayList && walker.CountTensors(value, 1) > 0)
                {
                    walker.Walk(value, key + ".", 1);
                }
                else
                {
                    ignored.Add(new IgnoredItem(key, "not a tensor: " + PickleValues.Describe(value)));
                }
            }
        }
        else
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"Paddle pickle holds a {PickleValues.Describe(loaded.Root)}, not a dict of arrays", place);
        }
        tensors.AddRange(walker.Tensors);
        ignored.AddRange(walker.Ignored);
        if (tupleNames > 0)
        {
            ignored.Add(new IgnoredItem("(name, ndarray) tuples", $"{tupleNames} Paddle tensor names inside the tuples"));
        }
        if (tensors.Any(t => t.DType == DType.UInt16))
        {
            ignored.Add(new IgnoredItem("uint16 arrays", "Paddle stores bfloat16 as uint16 bits; reported as uint16"));
        }
        TorchZipReader.CheckUniqueNames(tensors, entry);
        return new TensorSet(CheckpointFormat.Paddle, $"Paddle pickle, protocol {loaded.Scan.Protocol}", tensors, ignored, new Dictionary<string, string>(), null, file);
    }

    private static bool IsTensor(object? value) =>
        value is NumpyArray || value is object[] { Length: 2 } t && t[0] is string && t[1] is NumpyArray;

    private static TensorEntry ToEntry(string name, object value, CheckpointFile file, PickleSkeleton skeleton)
    {
        var array = value as NumpyArray ?? (NumpyArray)((object[])value)[1]!;
        var place = new FormatPlace("pickle", Key: name);
        if (array.DType is null)
        {
            // _reconstruct without the BUILD that gives it a dtype, shape and data.
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, "numpy array was never built (no dtype, shape or data)", place);
        }
        var code = array.DType.Code;
        var order = array.DType.ByteOrder;
        var bare = code.TrimStart('<', '>', '|', '=');
        if (code.StartsWith('>') || order == '>')
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"big-endian numpy array '{code}' is not supported", place);
        }
        var dtype = DTypeInfo.FromNumpyCode(bare) ?? throw new CheckpointFormatException(FormatErrorKind.Unsupported, $"numpy dtype '{code}' is not a tensor dtype", place);
        var byteCount = TensorEntry.ByteCountOf(array.Shape, dtype, place);
        var numel = byteCount / dtype.Size();
        var inFile = skeleton.TryPayload(array.Data, out var offset, out var length);
        if (!inFile)
        {
            length = array.Data.LongLength;
        }
        if (length != byteCount)
        {
            throw new CheckpointFormatException(FormatErrorKind.SizeMismatch, $"array data has {length} bytes but shape and dtype need {byteCount}", place);
        }
        TensorBytes bytes = inFile ? new FileRangeBytes(file, offset, place) : new MemoryBytes(array.Data);
        if (array.FortranOrder && array.Shape.Length > 1 && numel > 0)
        {
            // Column-major data: element (i, j, ...) is at i + j*d0 + ...; gather it into C order.
            var strides = new long[array.Shape.Length];
            long s = 1;
            for (var d = 0; d < strides.Length; d++)
            {
                strides[d] = s;
                s *= array.Shape[d];
            }
            bytes = new StridedBytes(bytes, numel, dtype.Size(), 0, array.Shape, strides);
        }
        return new TensorEntry(name, dtype, array.Shape, bytes);
    }

    private static List<(string Name, long[] Shape, List<string> Slices)> ReadSplitInfo(object? info, FormatPlace place)
    {
        var result = new List<(string, long[], List<string>)>();
        if (info is null)
        {
            return result;
        }
        if (info is not Hashtable table)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"{SplitInfoKey} is not a dict", place with { Key = SplitInfoKey });
        }
        foreach (DictionaryEntry e in table)
        {
            var name = e.Key as string;
            if (name is null || e.Value is not Hashtable d || d["slices"] is not ArrayList slices || slices.Cast<object>().Any(s => s is not string))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, "split-array entry needs OriginShape and a list of slice names", place with { Key = SplitInfoKey });
            }
            result.Add((name, PickleValues.ToLongs(d["OriginShape"]), slices.Cast<string>().ToList()));
        }
        return result.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private static TensorEntry Join(string name, long[] shape, List<string> slices, Hashtable dict, FormatPlace place, Func<string, object, TensorEntry> toEntry)
    {
        var parts = new List<(TensorBytes, long)>();
        DType? dtype = null;
        long total = 0;
        foreach (var slice in slices)
        {
            if (!IsTensor(dict[slice]))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"slice '{slice}' named by {SplitInfoKey} is missing", place with { Key = name });
            }
            var part = toEntry(slice, dict[slice]!);
            if (dtype is not null && part.DType != dtype)
            {
                throw new CheckpointFormatException(FormatErrorKind.DTypeMismatch, "slices of one array have different dtypes", place with { Key = slice });
            }
            dtype = part.DType;
            parts.Add((part.Bytes, part.ByteCount));
            if (part.ElementCount > long.MaxValue - total)
            {
                throw new CheckpointFormatException(FormatErrorKind.Overflow, "slices together overflow 64-bit element counts", place with { Key = name });
            }
            total += part.ElementCount;
        }
        var needed = TensorEntry.ElementCountOf(shape, place with { Key = name });
        if (dtype is null || total != needed)
        {
            throw new CheckpointFormatException(FormatErrorKind.SizeMismatch, $"slices hold {total} elements but OriginShape [{string.Join(", ", shape)}] needs {needed}", place with { Key = name });
        }
        return new TensorEntry(name, dtype.Value, shape, new ConcatBytes(parts));
    }
}
