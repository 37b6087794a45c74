using System.Collections;

namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// Finds the tensors in an unpickled object graph: a state dict, a dict wrapping one (<c>{"state_dict": ...}</c>,
/// <c>{"model": ...}</c>), or nested containers, named by their path (<c>a.b.0</c>). Names are reported as stored;
/// stripping prefixes such as <c>module.</c> is the layout step's job. Keys come in file order.
/// </summary>
public sealed class StateDictWalker(
    IReadOnlyDictionary<string, long> firstOffsets,
    Func<object?, bool> isTensor,
    Func<string, object, TensorEntry> toEntry,
    FormatPlace place,
    ReadBudget budget)
{
    /// <summary>Containers nested deeper than this are refused (also catches a list that contains itself).</summary>
    public const int MaxDepth = 64;

    // Checkpoint keys under which training scripts and open_clip keep the model's state dict.
    private static readonly string[] WrapperKeys = ["state_dict", "model", "model_state_dict", "module", "state_dict_ema"];

    // Tensor counts of containers already counted: a memoised container shared at many places is counted once.
    private readonly Dictionary<object, int> counted = new(ReferenceEqualityComparer.Instance);

    public List<TensorEntry> Tensors { get; } = [];

    public List<IgnoredItem> Ignored { get; } = [];

    public string? WrapperKey { get; private set; }

    public void WalkRoot(object? root)
    {
        if (root is Hashtable dict && !Ordered(dict).Any(e => isTensor(e.Value)))
        {
            var holders = Ordered(dict).Where(e => e.Value is Hashtable && CountTensors(e.Value, 0) > 0).ToList();
            var chosen = holders.Count == 1
                ? holders[0]
                : holders.FirstOrDefault(h => WrapperKeys.Contains(h.Key));
            if (chosen.Value is not null)
            {
                WrapperKey = chosen.Key;
                Walk(chosen.Value, "", 1);
                foreach (var (key, value) in Ordered(dict).Where(e => e.Key != chosen.Key))
                {
                    var n = CountTensors(value, 0);
                    Ignored.Add(new IgnoredItem(key, n > 0 ? $"outside the state dict ({n} tensors)" : "outside the state dict: " + PickleValues.Describe(value)));
                }
                return;
            }
        }
        if (isTensor(root))
        {
            Tensors.Add(toEntry("tensor", root!));
            return;
        }
        Walk(root, "", 0);
    }

    /// <summary>A dict's entries in file order: by where each key first appears in the pickle.</summary>
    public List<KeyValuePair<string, object?>> Ordered(Hashtable dict)
    {
        var entries = new List<(long Order, KeyValuePair<string, object?> Entry)>(dict.Count);
        foreach (DictionaryEntry e in dict)
        {
            var key = e.Key?.ToString() ?? "None";
            var order = e.Key is string s && firstOffsets.TryGetValue(s, out var o) ? o : long.MaxValue;
            entries.Add((order, new KeyValuePair<string, object?>(key, e.Value)));
        }
        return entries.OrderBy(e => e.Order).ThenBy(e => e.Entry.Key, StringComparer.Ordinal).Select(e => e.Entry).ToList();
    }

    public void Walk(object? value, string prefix, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CheckpointFormatException(FormatErrorKind.TooDeep, $"containers nested deeper than {MaxDepth}", place with { Key = prefix.TrimEnd('.') });
        }
        foreach (var (key, item) in Children(value))
        {
            // A container shared at several places is walked at each (its tensors have one name per place), so the
            // walk is bounded by the budget, not by the depth: 48 levels of a list holding itself twice are 2^48 paths.
            budget.ChargeVisit(place);
            var name = prefix + key;
            if (isTensor(item))
            {
                Tensors.Add(toEntry(name, item!));
            }
            else if (item is Hashtable or object[] or ArrayList && CountTensors(item, depth + 1) > 0)
            {
                Walk(item, name + ".", depth + 1);
            }
            else
            {
                Ignored.Add(new IgnoredItem(name, "not a tensor: " + PickleValues.Describe(item)));
            }
        }
    }

    private IEnumerable<KeyValuePair<string, object?>> Children(object? value) => value switch
    {
        Hashtable d => Ordered(d),
        object[] t => t.Select((v, i) => new KeyValuePair<string, object?>(i.ToString(), v)),
        ArrayList l => l.Cast<object?>().Select((v, i) => new KeyValuePair<string, object?>(i.ToString(), v)),
        _ => [],
    };

    public int CountTensors(object? value, int depth)
    {
        if (isTensor(value))
        {
            return 1;
        }
        if (value is not (Hashtable or object[] or ArrayList))
        {
            return 0;
        }
        if (depth > MaxDepth)
        {
            throw new CheckpointFormatException(FormatErrorKind.TooDeep, $"containers nested deeper than {MaxDepth}", place);
        }
        if (counted.TryGetValue(value, out var known))
        {
            return known;
        }
        long sum = 0;
        foreach (var c in Children(value))
        {
            budget.ChargeVisit(place);
            // Saturates: shared substructure can name more tensors than an int counts; the walk refuses those.
            sum = Math.Min(sum + CountTensors(c.Value, depth + 1), int.MaxValue);
        }
        counted[value] = (int)sum;
        return (int)sum;
    }
}
