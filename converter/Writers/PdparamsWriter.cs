using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Writers;

/// <summary>
/// Writes what <c>paddle.save(state_dict, path)</c> writes: <c>pickle.dump(d, f, protocol=4)</c> of a plain dict
/// holding each tensor as a numpy array under its structured name, then the <c>StructuredToParameterName@@</c>
/// table (structured name to Paddle parameter name). It reads with <c>paddle.load</c> and with plain
/// <c>pickle.load</c> and numpy, and its bytes are the bytes CPython's pickler gives for the same dict.
/// </summary>
/// <remarks>
/// Each array is pickled as numpy's <c>__reduce__</c> gives it:
/// <c>_reconstruct(ndarray, (0,), b'b')</c>, then BUILD with <c>(1, shape, dtype, False, raw bytes)</c>; a dtype is
/// <c>numpy.dtype(code, False, True)</c> with BUILD <c>(3, byteorder, None, None, None, -1, -1, 0)</c>. The memo
/// mirrors which objects are the same object in Python: globals, module names, one-character byte orders,
/// empty and one-byte bytes (numpy's <c>b'b'</c> and the data of one-byte arrays), each dtype, and the dict keys (the name table's keys are the state dict's own key objects).
/// Protocol 4 never splits arrays (Paddle's <c>UnpackBigParamInfor@@</c> is for protocols 2 and 3).
/// bfloat16 is kept as its uint16 bits, as Paddle does.
/// </remarks>
public sealed class PdparamsWriter(IEnumerable<KeyValuePair<string, string>>? nameTable = null) : ITensorFileWriter
{
    public const string NameTableKey = "StructuredToParameterName@@";

    // CPython writes a dict's items in batches of this many (pickle.Pickler._BATCHSIZE).
    private const int BatchSize = 1000;

    private readonly IReadOnlyList<KeyValuePair<string, string>>? nameTable = nameTable?.ToList();

    public OutputFormat Format => OutputFormat.Pdparams;

    /// <summary>The numpy type code and byte-order character for a dtype (bfloat16 as uint16 bits).</summary>
    public static (string Code, char ByteOrder) NumpyDType(DType dtype) => dtype switch
    {
        DType.Bool => ("b1", '|'),
        DType.UInt8 => ("u1", '|'),
        DType.Int8 => ("i1", '|'),
        DType.Int16 => ("i2", '<'),
        DType.UInt16 or DType.BFloat16 => ("u2", '<'),
        DType.Int32 => ("i4", '<'),
        DType.Int64 => ("i8", '<'),
        DType.Float16 => ("f2", '<'),
        DType.Float32 => ("f4", '<'),
        DType.Float64 => ("f8", '<'),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The dtype a reader sees: Paddle files have no bfloat16, only its uint16 bits.</summary>
    public static DType StoredAs(DType dtype) => dtype == DType.BFloat16 ? DType.UInt16 : dtype;

    public IReadOnlyList<WrittenTensor> Write(Stream output, IReadOnlyList<TensorEntry> tensors)
    {
        TensorStreamer.CheckUniqueNames(tensors);
        if (tensors.Any(t => t.Name == NameTableKey))
        {
            throw new OutputException($"a tensor cannot be named '{NameTableKey}': Paddle keeps its name table there");
        }
        var streamer = new TensorStreamer();
        var session = new Session(new PickleEmitter(output), streamer);
        session.SaveStateDict(tensors, nameTable);
        return streamer.Written;
    }

    /// <summary>One dump: the emitter plus the memo of objects Python would find already pickled.</summary>
    private sealed class Session(PickleEmitter pickle, TensorStreamer streamer)
    {
        private readonly Dictionary<string, int> keys = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> sharedStrings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> globals = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> dtypes = new(StringComparer.Ordinal);
        private readonly Dictionary<int, int> tinyBytes = [];

        public void SaveStateDict(IReadOnlyList<TensorEntry> tensors, IReadOnlyList<KeyValuePair<string, string>>? names)
        {
            var items = new List<Action>(tensors.Count + 1);
            foreach (var t in tensors)
            {
                items.Add(() =>
                {
                    SaveKey(t.Name);
                    SaveArray(t);
                });
            }
            if (names is not null)
            {
                items.Add(() =>
                {
                    SaveNewString(NameTableKey);
                    SaveNameTable(names);
                });
            }
            SaveDict(items);
            pickle.Finish();
        }

        private void SaveNameTable(IReadOnlyList<KeyValuePair<string, string>> names) =>
            SaveDict(names.Select<KeyValuePair<string, string>, Action>(n => () =>
            {
                SaveKey(n.Key);
                SaveNewString(n.Value);
            }).ToList());

        // CPython's save_dict + batch_dict_exact: one item is a lone SETITEM, more go in MARK ... SETITEMS batches.
        private void SaveDict(IReadOnlyList<Action> items)
        {
            pickle.BeginObject();
            pickle.EmptyDict();
            pickle.Memoize();
            if (items.Count == 1)
            {
                items[0]();
                pickle.SetItem();
            }
            else if (items.Count > 1)
            {
                var next = 0;
                int inBatch;
                do
                {
                    pickle.Mark();
                    for (inBatch = 0; inBatch < BatchSize && next < items.Count; inBatch++)
                    {
                        items[next++]();
                    }
                    pickle.SetItems();
                }
                while (inBatch == BatchSize);
            }
        }

        // numpy.ndarray.__reduce__: (_reconstruct, (ndarray, (0,), b'b'), (1, shape, dtype, is_fortran, bytes)).
        private void SaveArray(TensorEntry t)
        {
            pickle.BeginObject();
            SaveGlobal("numpy.core.multiarray", "_reconstruct");
            pickle.BeginObject();
            SaveGlobal("numpy", "ndarray");
            SaveTuple(() => SaveInt(0));
            SaveBytes("b"u8);
            pickle.Tuple(3);
            pickle.Memoize();
            pickle.Reduce();
            pickle.Memoize();

            pickle.BeginObject();
            pickle.Mark();
            SaveInt(1);
            SaveTuple(t.Shape.Select<long, Action>(d => () => SaveInt(d)).ToArray());
            SaveDType(t.DType);
            SaveBool(false);
            SaveArrayData(t);
            pickle.Tuple(5);
            pickle.Memoize();
            pickle.Build();
        }

        // numpy.dtype.__reduce__: (dtype, (code, False, True), (3, byteorder, None, None, None, -1, -1, 0)).
        private void SaveDType(DType dtype)
        {
            pickle.BeginObject();
            var (code, order) = NumpyDType(dtype);
            if (dtypes.TryGetValue(code, out var memo))
            {
                pickle.Get(memo);
                return;
            }
            SaveGlobal("numpy", "dtype");
            SaveTuple(() => SaveNewString(code), () => SaveBool(false), () => SaveBool(true));
            pickle.Reduce();
            dtypes[code] = pickle.Memoize();
            SaveTuple(
                () => SaveInt(3),
                () => SaveSharedString(order.ToString()),
                SaveNone,
                SaveNone,
                SaveNone,
                () => SaveInt(-1),
                () => SaveInt(-1),
                () => SaveInt(0));
            pickle.Build();
        }

        // save_tuple: the empty tuple is a constant (not memoized); up to 3 items use TUPLE1..3, more go after MARK.
        private void SaveTuple(params Action[] items)
        {
            pickle.BeginObject();
            if (items.Length > 3)
            {
                pickle.Mark();
            }
            foreach (var item in items)
            {
                item();
            }
            pickle.Tuple(items.Length);
            if (items.Length > 0)
            {
                pickle.Memoize();
            }
        }

        // save_global for protocol 4: module and name as strings, STACK_GLOBAL, then the global itself memoized.
        private void SaveGlobal(string module, string name)
        {
            pickle.BeginObject();
            var fullName = module + "." + name;
            if (globals.TryGetValue(fullName, out var memo))
            {
                pickle.Get(memo);
                return;
            }
            SaveSharedString(module);
            SaveSharedString(name);
            pickle.StackGlobal();
            globals[fullName] = pickle.Memoize();
        }

        // CPython keeps one bytes object for b'' and for each single byte, so those are memo hits when seen again
        // (numpy's own b'b' included); longer bytes are a new object every time.
        private void SaveBytes(ReadOnlySpan<byte> value)
        {
            pickle.BeginObject();
            var tiny = value.Length switch
            {
                0 => 256,
                1 => value[0],
                _ => -1,
            };
            if (tinyBytes.TryGetValue(tiny, out var memo))
            {
                pickle.Get(memo);
                return;
            }
            pickle.Bytes(value);
            var index = pickle.Memoize();
            if (tiny >= 0)
            {
                tinyBytes[tiny] = index;
            }
        }

        // The array's data: arrays of 0 or 1 byte may be memo hits (see SaveBytes); longer data is streamed.
        private void SaveArrayData(TensorEntry t)
        {
            if (t.ByteCount <= 1)
            {
                using var small = new MemoryStream();
                streamer.Write(t, StoredAs(t.DType), small);
                SaveBytes(small.ToArray());
                return;
            }
            pickle.BeginObject();
            pickle.Bytes(t.ByteCount, output => streamer.Write(t, StoredAs(t.DType), output));
            pickle.Memoize();
        }

        private void SaveInt(long value)
        {
            pickle.BeginObject();
            pickle.Int(value);
        }

        private void SaveBool(bool value)
        {
            pickle.BeginObject();
            pickle.Bool(value);
        }

        private void SaveNone()
        {
            pickle.BeginObject();
            pickle.None();
        }

        /// <summary>A dict key: the name table reuses the state dict's key objects.</summary>
        private void SaveKey(string key) => SaveString(key, keys);

        /// <summary>Interned or cached strings (module names, byte orders): one object however often used.</summary>
        private void SaveSharedString(string value) => SaveString(value, sharedStrings);

        private void SaveNewString(string value)
        {
            pickle.BeginObject();
            pickle.String(value);
            pickle.Memoize();
        }

        private void SaveString(string value, Dictionary<string, int> memo)
        {
            pickle.BeginObject();
            if (memo.TryGetValue(value, out var index))
            {
                pickle.Get(index);
                return;
            }
            pickle.String(value);
            memo[value] = pickle.Memoize();
        }
    }
}
