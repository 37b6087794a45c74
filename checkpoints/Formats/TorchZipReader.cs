using System.Collections;
using System.Text;
using Razorvine.Pickle.Objects;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Reads PyTorch zip archives: <c>torch.save</c> state dicts (plain or wrapped) and <c>torch.jit.save</c> TorchScript
/// archives, whatever their root folder is called. Storages are stored uncompressed, so each tensor is a byte range
/// of the file, read only when asked for.
/// </summary>
public static class TorchZipReader
{
    /// <summary>Largest pickle or code file read into memory; real ones are kilobytes to a few megabytes.</summary>
    private const long MaxPickleBytes = 512L << 20;

    public static TensorSet Read(CheckpointFile file) => Read(file, ZipDirectory.Read(file));

    public static TensorSet Read(CheckpointFile file, ZipDirectory zip)
    {
        var entries = zip.ByName;
        var roots = entries.Keys.Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .Select(n => n[..^"/data.pkl".Length]).ToList();
        if (roots.Count != 1)
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, roots.Count == 0
                ? "zip archive has no <root>/data.pkl: not a PyTorch checkpoint"
                : $"zip archive has {roots.Count} data.pkl roots");
        }
        var root = roots[0];
        if (entries.TryGetValue(root + "/byteorder", out var byteorder) && ReadText(file, byteorder).Trim() != "little")
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, "big-endian archive is not supported", new FormatPlace(byteorder.Name));
        }
        var isTorchScript = entries.ContainsKey(root + "/constants.pkl") || entries.Keys.Any(n => n.StartsWith(root + "/code/", StringComparison.Ordinal));
        var dataPkl = root + "/data.pkl";
        var loaded = LoadPickle(file, entries[dataPkl], isTorchScript);
        TensorEntry ToEntry(string name, object value) => StorageEntry(file, entries, root + "/data/", (TorchTensorRef)value, name, dataPkl);

        List<TensorEntry> tensors;
        List<IgnoredItem> ignored;
        string? wrapper = null;
        var metadata = new Dictionary<string, string>();
        if (isTorchScript)
        {
            var code = new TorchScriptCode();
            foreach (var e in entries.Values.Where(e => e.Name.StartsWith(root + "/code/", StringComparison.Ordinal) && e.Name.EndsWith(".py", StringComparison.Ordinal)))
            {
                var module = e.Name[(root.Length + "/code/".Length)..^".py".Length].Replace('/', '.');
                code.AddFile(module, ReadText(file, e));
            }
            var walker = new TorchScriptWalker(code, loaded.Scan.FirstOffsets, ToEntry, new FormatPlace(dataPkl), file.Budget);
            walker.WalkModule(loaded.Root, "", 0);
            // The module classes the code defines say what the weights cannot (which activation, for one).
            metadata["torchscript.classes"] = string.Join(",", code.Classes.Keys.Order(StringComparer.Ordinal));
            tensors = walker.Tensors;
            ignored = walker.Ignored;
            if (entries.TryGetValue(root + "/constants.pkl", out var constants))
            {
                var c = LoadPickle(file, constants, isTorchScript: true);
                var n = c.Root is object[] t ? t.Count(x => x is TorchTensorRef) : 0;
                ignored.Add(new IgnoredItem(constants.Name, $"{n} traced constant tensors (not weights)"));
            }
        }
        else
        {
            var walker = new StateDictWalker(loaded.Scan.FirstOffsets, v => v is TorchTensorRef, ToEntry, new FormatPlace(dataPkl), file.Budget);
            walker.WalkRoot(loaded.Root);
            tensors = walker.Tensors;
            ignored = walker.Ignored;
            wrapper = walker.WrapperKey;
            var stateDict = wrapper is not null && loaded.Root is Hashtable h ? h[wrapper] : loaded.Root;
            if (stateDict is PickledOrderedDict { Attributes.Count: > 0 })
            {
                ignored.Add(new IgnoredItem("_metadata", "state-dict attribute (module versions)"));
            }
        }
        CheckUniqueNames(tensors, dataPkl);
        var format = isTorchScript ? CheckpointFormat.TorchScript : CheckpointFormat.TorchZip;
        var description = (isTorchScript ? "TorchScript archive" : "PyTorch zip archive") + $", root '{root}', pickle protocol {loaded.Scan.Protocol}";
        return new TensorSet(format, description, tensors, ignored, metadata, wrapper, file);
    }

    internal static void CheckUniqueNames(List<TensorEntry> tensors, string entry)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!seen.Add(t.Name))
            {
                throw new CheckpointFormatException(FormatErrorKind.DuplicateName, "two tensors have the same name", new FormatPlace(entry, Key: t.Name));
            }
        }
    }

    private static SafeUnpickler.Loaded LoadPickle(CheckpointFile file, ZipEntryInfo entry, bool isTorchScript)
    {
        var bytes = ZipEntryData.ReadAll(file, entry, MaxPickleBytes);
        return SafeUnpickler.Load(bytes, entry.Name, file.Budget, isTorchScript, pid => TorchTensors.ParseStorageId(pid, entry.Name));
    }

    private static TensorEntry StorageEntry(CheckpointFile file, IReadOnlyDictionary<string, ZipEntryInfo> entries, string folder, TorchTensorRef t, string name, string pickle)
    {
        var entryName = folder + t.Storage.Key;
        if (!entries.TryGetValue(entryName, out var entry))
        {
            throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"storage '{t.Storage.Key}' has no entry {entryName}", new FormatPlace(pickle, Key: name));
        }
        var place = new FormatPlace(entryName);
        if (!entry.IsStored)
        {
            throw new CheckpointFormatException(FormatErrorKind.Unsupported, "storage entry is compressed; PyTorch stores storages uncompressed", place);
        }
        return TorchTensors.ToEntry(name, t, file, entry.DataStart, entry.Size, place);
    }

    private static string ReadText(CheckpointFile file, ZipEntryInfo entry) => Encoding.UTF8.GetString(ZipEntryData.ReadAll(file, entry, MaxPickleBytes));

    /// <summary>Walks a TorchScript module tree, reporting only what <c>code/</c> declares as parameters or buffers.</summary>
    private sealed class TorchScriptWalker(TorchScriptCode code, IReadOnlyDictionary<string, long> firstOffsets, Func<string, object, TensorEntry> toEntry, FormatPlace place,
        ReadBudget budget)
    {
        public List<TensorEntry> Tensors { get; } = [];

        public List<IgnoredItem> Ignored { get; } = [];

        public void WalkModule(object? value, string prefix, int depth)
        {
            if (value is not ClassDict obj)
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, "TorchScript data.pkl does not hold a module object", place);
            }
            if (depth > StateDictWalker.MaxDepth)
            {
                throw new CheckpointFormatException(FormatErrorKind.TooDeep, $"modules nested deeper than {StateDictWalker.MaxDepth}", place with { Key = prefix });
            }
            if (!code.Classes.TryGetValue(obj.ClassName, out var info))
            {
                throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"class {obj.ClassName} has no definition in the archive's code/", place with { Key = prefix.TrimEnd('.') });
            }
            var state = new HashSet<string>(info.Parameters.Concat(info.Buffers), StringComparer.Ordinal);
            foreach (var name in info.Parameters.Concat(info.Buffers))
            {
                budget.ChargeVisit(place);
                obj.TryGetValue(name, out var v);
                if (v is TorchTensorRef t)
                {
                    Tensors.Add(toEntry(prefix + name, t));
                }
                else if (v is not null)
                {
                    throw new CheckpointFormatException(FormatErrorKind.BadStructure, $"state attribute is {PickleValues.Describe(v)}, not a tensor", place with { Key = prefix + name });
                }
            }
            // Declared attributes first (in declaration order, as state_dict() orders submodules), then any others.
            var rest = info.Attributes.Where(obj.ContainsKey)
                .Concat(obj.Keys.Where(k => k != "__class__" && !info.Attributes.Contains(k)).OrderBy(k => firstOffsets.GetValueOrDefault(k, long.MaxValue)))
                .Where(k => !state.Contains(k)).Distinct().ToList();
            foreach (var name in rest)
            {
                // A module shared at several places is walked at each, so the budget bounds the paths (2^depth).
                budget.ChargeVisit(place);
                var v = obj[name];
                if (v is ClassDict child && child.ClassName.StartsWith("__torch__.", StringComparison.Ordinal))
                {
                    WalkModule(child, prefix + name + ".", depth + 1);
                }
                else if (v is TorchTensorRef t)
                {
                    Ignored.Add(new IgnoredItem(prefix + name, $"tensor attribute that is not a parameter or buffer ({t.Storage.DType.Name()} [{string.Join(", ", t.Shape)}])"));
                }
            }
        }
    }
}
