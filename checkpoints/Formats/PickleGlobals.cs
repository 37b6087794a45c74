using System.Collections;
using Razorvine.Pickle;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// The allow-list: every pickle global a checkpoint may name, each with the constructor that builds a plain .NET
/// value from it. Nothing here runs Python or reflects on names. Razorvine keeps constructors in one process-wide
/// table, so they are registered once and hold no state; <see cref="PickleScanner"/> refuses every other global
/// before Razorvine sees the pickle.
/// </summary>
public static class PickleGlobals
{
    private static readonly Dictionary<string, IObjectConstructor> Constructors = Build();

    private static readonly Lock RegistrationLock = new();

    private static bool registered;

    /// <summary>TorchScript module classes (<c>__torch__.model.CLIP</c>) become Razorvine ClassDicts.</summary>
    public static bool IsAllowed(string module, string name, bool allowTorchScriptClasses) =>
        Constructors.ContainsKey(module + "." + name)
        || (allowTorchScriptClasses && (module == "__torch__" || module.StartsWith("__torch__.", StringComparison.Ordinal)));

    /// <summary>Puts the allow-listed constructors into Razorvine's table (once per process).</summary>
    public static void Register()
    {
        lock (RegistrationLock)
        {
            if (registered)
            {
                return;
            }
            foreach (var (fullName, constructor) in Constructors)
            {
                var dot = fullName.LastIndexOf('.');
                Unpickler.registerConstructor(fullName[..dot], fullName[(dot + 1)..], constructor);
            }
            registered = true;
        }
    }

    private sealed class Constructor(string name, Func<object[], object?> build) : IObjectConstructor
    {
        public string Name { get; } = name;

        public object construct(object[] args)
        {
            try
            {
                return build(args)!;
            }
            catch (IndexOutOfRangeException)
            {
                throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, $"{Name} called with {args.Length} arguments");
            }
        }
    }

    private static Dictionary<string, IObjectConstructor> Build()
    {
        var d = new Dictionary<string, IObjectConstructor>(StringComparer.Ordinal);

        void Add(string fullName, Func<object[], object?> build) => d[fullName] = new Constructor(fullName, build);

        // PyTorch tensors: _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata]).
        Add("torch._utils._rebuild_tensor_v2", RebuildTensor);
        Add("torch._utils._rebuild_tensor", RebuildTensor);
        Add("torch._utils._rebuild_parameter", a => a[0]);
        Add("torch._utils._rebuild_parameter_with_state", a => a[0]);
        // _rebuild_from_type_v2(func, type, args, state): a tensor subclass; the tensor is func(*args).
        Add("torch._tensor._rebuild_from_type_v2", a => a[0] is Constructor f && a[2] is object[] args
            ? f.construct(args)
            : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "_rebuild_from_type_v2 without a rebuild function"));
        Add("torch.nn.parameter.Parameter", _ => throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "torch.nn.parameter.Parameter called directly"));
        Add("torch.Tensor", _ => throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "torch.Tensor called directly"));
        foreach (var storage in new[]
        {
            "BoolStorage", "ByteStorage", "CharStorage", "ShortStorage", "IntStorage", "LongStorage", "HalfStorage",
            "BFloat16Storage", "FloatStorage", "DoubleStorage",
        })
        {
            var type = new TorchStorageType(storage, DTypeInfo.FromTorchStorage(storage)!.Value);
            d["torch." + storage] = new StorageTypeConstructor(type);
        }
        Add("collections.OrderedDict", a => a.Length == 0
            ? new PickledOrderedDict()
            : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "collections.OrderedDict called with arguments"));
        Add("torch.device", a => a.Length > 0 ? a[0]?.ToString() : "cpu");
        Add("torch.Size", a => a.Length > 0 ? a[0] : Array.Empty<object>());
        // TorchScript archives: typed lists and type tags around plain values.
        foreach (var f in new[] { "build_intlist", "build_doublelist", "build_boollist", "build_tensorlist", "build_strlist" })
        {
            Add("torch.jit._pickle." + f, a => a[0]);
        }
        Add("torch.jit._pickle.restore_type_tag", a => a[0]);

        // numpy arrays and scalars, under their numpy 1.x and 2.x module names.
        foreach (var module in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
        {
            Add(module + "._reconstruct", _ => new NumpyArray());
            Add(module + ".scalar", a => a[0] is NumpyDType t
                ? new NumpyScalar(t, a.Length > 1 ? a[1] as byte[] ?? PickleValues.Latin1Bytes(a[1] as string ?? "") : [])
                : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "numpy scalar without a dtype"));
        }
        Add("numpy.ndarray", _ => throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "numpy.ndarray called directly"));
        Add("numpy.dtype", a => a[0] is string code
            ? new NumpyDType(code)
            : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "numpy.dtype without a type code"));
        // Protocol 2 from Python 3 writes bytes as _codecs.encode(latin-1 text, 'latin1').
        Add("_codecs.encode", a => a.Length == 2 && a[0] is string s && a[1] is "latin1" or "latin-1"
            ? PickleValues.Latin1Bytes((string)a[0])
            : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "_codecs.encode is allowed only as encode(text, 'latin1')"));

        // Paddle: a tensor as (tuple, ((name, ndarray),)) and a LoDTensor as (eval, ('data', {'data': ndarray})).
        foreach (var builtins in new[] { "builtins", "__builtin__" })
        {
            Add(builtins + ".tuple", a => a.Length == 1
                ? a[0] switch
                {
                    object[] t => t,
                    ArrayList l => ChargedCopy(l),
                    _ => throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "tuple() of something that is not a tuple or list"),
                }
                : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "tuple() needs one argument"));
            Add(builtins + ".eval", PaddleLoDTensorEval);
        }
        return d;
    }

    // tuple(list) copies; on one memoised list, repeated, the copies would otherwise be unbounded.
    private static object?[] ChargedCopy(ArrayList list)
    {
        ReadBudget.Current?.ChargeBytes(8L * list.Count, "tuple()");
        return list.ToArray();
    }

    private sealed class StorageTypeConstructor(TorchStorageType type) : IObjectConstructor
    {
        public TorchStorageType Type { get; } = type;

        public object construct(object[] args) => throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, $"torch.{Type.Name} called directly");
    }

    /// <summary>The storage class a persistent id names, or null when it is not one this reader knows.</summary>
    public static TorchStorageType? StorageTypeOf(object? value) => (value as StorageTypeConstructor)?.Type;

    private static object RebuildTensor(object[] a)
    {
        if (a.Length < 4 || a[0] is not TorchStorageRef storage)
        {
            throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "_rebuild_tensor_v2 without a storage");
        }
        return new TorchTensorRef(storage, PickleValues.ToLong(a[1]), PickleValues.ToLongs(a[2]), PickleValues.ToLongs(a[3]));
    }

    // eval is allowed only in the exact form Paddle writes for a LoDTensor; the expression is never evaluated.
    private static object PaddleLoDTensorEval(object[] a) =>
        a.Length == 2 && a[0] is "data" && a[1] is Hashtable env && env.Count == 1 && env["data"] is NumpyArray array
            ? array
            : throw new CheckpointFormatException(FormatErrorKind.RefusedGlobal, "refused global 'builtins.eval': only Paddle's eval('data', {'data': ndarray}) form is allowed");
}
