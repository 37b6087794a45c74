using ClipTools.Checkpoints.Formats;

namespace ClipTools.Checkpoints.Layouts;

/// <summary>
/// The one engine that applies a layout table, in either direction. The table is matched against the file's names
/// once, giving a dictionary from each official name to its rule and sources; bytes are only touched when a
/// <see cref="MappedTensor"/> is read.
/// </summary>
public static class LayoutMapper
{
    /// <summary>Layout names to official names.</summary>
    public static LayoutMapping ToCanonical(Layout layout, IReadOnlyList<TensorEntry> entries)
    {
        var byName = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var dtype = layout.UInt16IsBFloat16 && e.DType == DType.UInt16 ? DType.BFloat16 : e.DType;
            if (!byName.TryAdd(e.Name, new TensorEntry(e.Name, dtype, e.Shape, e.Bytes)))
            {
                throw new CheckpointFormatException(FormatErrorKind.DuplicateName, $"key '{e.Name}' appears twice", new FormatPlace(Key: e.Name));
            }
        }

        var plans = new Dictionary<string, Plan>(StringComparer.Ordinal);
        var order = new List<string>();
        var dropped = new List<IgnoredItem>();
        var unmatched = new List<string>();

        void Assign(string canonical, LayoutRule rule, int part, string? source)
        {
            if (!plans.TryGetValue(canonical, out var plan))
            {
                plan = new Plan(rule, new string?[Math.Max(1, rule.Sources.Count)]);
                plans[canonical] = plan;
                order.Add(canonical);
            }
            var other = plan.Rule != rule ? plan.Parts.FirstOrDefault(p => p is not null) ?? "(synthesized)" : plan.Parts[part];
            if (plan.Rule != rule || other is not null)
            {
                throw new CheckpointFormatException(FormatErrorKind.DuplicateName, $"two keys map to '{canonical}': '{other}' and '{source ?? "(synthesized)"}'",
                    new FormatPlace(Key: source));
            }
            plan.Parts[part] = source;
        }

        foreach (var e in entries)
        {
            var (rule, part, values) = FirstSourceMatch(layout, e.Name);
            if (rule is null)
            {
                unmatched.Add(e.Name);
            }
            else if (rule.Kind == RuleKind.Drop)
            {
                dropped.Add(new IgnoredItem(e.Name, $"{layout.Name} layout: {rule.Why}"));
            }
            else
            {
                Assign(rule.Canonical!.Fill(values!), rule, part, e.Name);
            }
            foreach (var synth in layout.Rules.Where(r => r.Kind == RuleKind.Synthesize))
            {
                if (synth.Sources[0].Match(e.Name) is { } anchor)
                {
                    Assign(synth.Canonical!.Fill(anchor), synth, 0, null);
                }
            }
        }

        var tensors = order.Select(name => Build(name, plans[name], byName)).ToList();
        return new LayoutMapping(layout, tensors, dropped, unmatched);
    }

    /// <summary>
    /// Official names to the layout's names (the Paddle writer's input). Synthesized tensors are left out (the layout
    /// has no place for them) and reported as dropped.
    /// </summary>
    public static LayoutMapping FromCanonical(Layout layout, IReadOnlyList<MappedTensor> canonical)
    {
        var result = new List<MappedTensor>();
        var dropped = new List<IgnoredItem>();
        var unmatched = new List<string>();
        foreach (var t in canonical)
        {
            var (rule, values) = FirstCanonicalMatch(layout, t.Name);
            if (rule is null)
            {
                unmatched.Add(t.Name);
                continue;
            }
            var names = rule.Sources.Select(s => s.Fill(values!)).ToList();
            switch (rule.Kind)
            {
                case RuleKind.Synthesize:
                    dropped.Add(new IgnoredItem(t.Name, $"{layout.Name} layout has no such tensor: {rule.Why}"));
                    break;
                case RuleKind.Rename:
                    result.Add(t.Renamed(names[0], t.Shape, RuleKind.Rename));
                    break;
                case RuleKind.Reshape:
                    RequireElements(t, rule.SourceShape!);
                    result.Add(t.Renamed(names[0], rule.SourceShape!, RuleKind.Reshape));
                    break;
                case RuleKind.Transpose:
                    var (rows, cols) = Matrix(t.Name, t.Shape);
                    result.Add(new MappedTensor(names[0], t.DType, [cols, rows], [t.Name], RuleKind.Transpose,
                        new TransposedBytes(t.Bytes, rows, cols, t.DType.Size())));
                    break;
                case RuleKind.Concat:
                case RuleKind.TransposeConcat:
                    result.AddRange(Split(t, rule, names));
                    break;
                default:
                    throw new InvalidOperationException($"rule {rule} cannot be reversed");
            }
        }
        return new LayoutMapping(layout, result, dropped, unmatched);
    }

    private static (LayoutRule? Rule, int Part, IReadOnlyDictionary<string, string>? Values) FirstSourceMatch(Layout layout, string name)
    {
        foreach (var rule in layout.Rules.Where(r => r.Kind != RuleKind.Synthesize))
        {
            for (var p = 0; p < rule.Sources.Count; p++)
            {
                if (rule.Sources[p].Match(name) is { } values)
                {
                    return (rule, p, values);
                }
            }
        }
        return (null, 0, null);
    }

    private static (LayoutRule? Rule, IReadOnlyDictionary<string, string>? Values) FirstCanonicalMatch(Layout layout, string name)
    {
        foreach (var rule in layout.Rules.Where(r => r.Canonical is not null))
        {
            if (rule.Canonical!.Match(name) is { } values)
            {
                return (rule, values);
            }
        }
        return (null, null);
    }

    private static MappedTensor Build(string canonical, Plan plan, Dictionary<string, TensorEntry> byName)
    {
        var rule = plan.Rule;
        if (rule.Kind == RuleKind.Synthesize)
        {
            return new MappedTensor(canonical, DType.Int64, [], [], RuleKind.Synthesize, () => new byte[8]);
        }
        var missing = Array.FindIndex(plan.Parts, p => p is null);
        if (missing >= 0)
        {
            var present = plan.Parts.First(p => p is not null)!;
            var values = rule.Sources.Select(s => s.Match(present)).First(v => v is not null)!;
            var absent = rule.Sources[missing].Fill(values);
            throw new CheckpointFormatException(FormatErrorKind.MissingKey, $"missing key '{absent}' (with '{present}' it makes '{canonical}')",
                new FormatPlace(Key: absent));
        }
        var sources = plan.Parts.Select(p => byName[p!]).ToList();
        var names = sources.Select(s => s.Name).ToList();
        var first = sources[0];
        switch (rule.Kind)
        {
            case RuleKind.Rename:
                return new MappedTensor(canonical, first.DType, first.Shape, names, rule.Kind, first.Bytes);
            case RuleKind.Reshape:
                if (first.ElementCount != TensorEntry.ElementCountOf(rule.CanonicalShape!))
                {
                    throw new CheckpointFormatException(
                        FormatErrorKind.ShapeMismatch, $"'{first.Name}' has shape {first.ShapeText}; '{canonical}' needs {TensorEntry.ElementCountOf(rule.CanonicalShape!)} element(s)",
                        new FormatPlace(Key: first.Name));
                }
                return new MappedTensor(canonical, first.DType, rule.CanonicalShape!, names, rule.Kind, first.Bytes);
            case RuleKind.Transpose:
                {
                    var (rows, cols) = Matrix(first.Name, first.Shape);
                    return new MappedTensor(canonical, first.DType, [cols, rows], names, rule.Kind,
                        new TransposedBytes(first.Bytes, rows, cols, first.DType.Size()));
                }
            case RuleKind.Concat:
            case RuleKind.TransposeConcat:
                return Join(canonical, rule.Kind, sources);
            default:
                throw new InvalidOperationException($"rule {rule} does not build tensors");
        }
    }

    /// <summary>Parts stacked along dim 0 (each transposed first for <see cref="RuleKind.TransposeConcat"/>).</summary>
    private static MappedTensor Join(string canonical, RuleKind kind, List<TensorEntry> parts)
    {
        var transpose = kind == RuleKind.TransposeConcat;
        var shapes = parts.Select(p =>
        {
            if (!transpose)
            {
                return p.Shape.ToArray();
            }
            var (rows, cols) = Matrix(p.Name, p.Shape);
            return new[] { cols, rows };
        }).ToList();
        foreach (var (part, shape) in parts.Zip(shapes).Skip(1))
        {
            if (part.DType != parts[0].DType)
            {
                throw new CheckpointFormatException(
                    FormatErrorKind.DTypeMismatch, $"'{part.Name}' is {part.DType.Name()} but '{parts[0].Name}' is {parts[0].DType.Name()}; both make '{canonical}'",
                    new FormatPlace(Key: part.Name));
            }
            if (shape.Length == 0 || shape.Length != shapes[0].Length || !shape.Skip(1).SequenceEqual(shapes[0].Skip(1)))
            {
                throw new CheckpointFormatException(
                    FormatErrorKind.ShapeMismatch, $"'{part.Name}' has shape {part.ShapeText}, which cannot be stacked with '{parts[0].Name}' {parts[0].ShapeText} into '{canonical}'",
                    new FormatPlace(Key: part.Name));
            }
        }
        if (shapes[0].Length == 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.ShapeMismatch, $"'{parts[0].Name}' is a scalar; '{canonical}' stacks tensors", new FormatPlace(Key: parts[0].Name));
        }
        long[] joined = [shapes.Sum(s => s[0]), .. shapes[0].Skip(1)];
        // Stacking along dim 0 is laying the parts end to end: ranged reads pass through (transposed parts too).
        return new MappedTensor(canonical, parts[0].DType, joined, parts.Select(p => p.Name).ToList(), kind,
            new ConcatBytes(parts.Select(p => (transpose ? new TransposedBytes(p.Bytes, p.Shape[0], p.Shape[1], p.DType.Size()) : p.Bytes, p.ByteCount)).ToList()));
    }

    /// <summary>The inverse of <see cref="Join"/>: equal slices along dim 0, each transposed for TransposeConcat.</summary>
    private static IEnumerable<MappedTensor> Split(MappedTensor whole, LayoutRule rule, List<string> names)
    {
        var n = names.Count;
        if (whole.Shape.Count == 0 || whole.Shape[0] % n != 0)
        {
            throw new CheckpointFormatException(FormatErrorKind.ShapeMismatch, $"'{whole.Name}' has shape {whole.ShapeText}, which does not split into {n} equal parts",
                new FormatPlace(Key: whole.Name));
        }
        long[] part = [whole.Shape[0] / n, .. whole.Shape.Skip(1)];
        for (var i = 0; i < n; i++)
        {
            var index = i;
            if (rule.Kind == RuleKind.TransposeConcat)
            {
                var (rows, cols) = Matrix(whole.Name, part);
                var slice = new SliceBytes(whole.Bytes, whole.ByteCount, index * (whole.ByteCount / n), whole.ByteCount / n);
                yield return new MappedTensor(names[i], whole.DType, [cols, rows], [whole.Name], rule.Kind,
                    new TransposedBytes(slice, rows, cols, whole.DType.Size()));
            }
            else
            {
                yield return new MappedTensor(names[i], whole.DType, part, [whole.Name], rule.Kind,
                    new SliceBytes(whole.Bytes, whole.ByteCount, index * (whole.ByteCount / n), whole.ByteCount / n));
            }
        }
    }

    private static (long Rows, long Cols) Matrix(string name, IReadOnlyList<long> shape) =>
        shape.Count == 2
            ? (shape[0], shape[1])
            : throw new CheckpointFormatException(FormatErrorKind.ShapeMismatch, $"'{name}' has shape [{string.Join(", ", shape)}]; a Linear weight is 2-D",
                new FormatPlace(Key: name));

    private static void RequireElements(MappedTensor t, IReadOnlyList<long> shape)
    {
        if (t.ElementCount != TensorEntry.ElementCountOf(shape))
        {
            throw new CheckpointFormatException(FormatErrorKind.ShapeMismatch, $"'{t.Name}' has shape {t.ShapeText}, not {TensorEntry.ElementCountOf(shape)} element(s)",
                new FormatPlace(Key: t.Name));
        }
    }

    private sealed record Plan(LayoutRule Rule, string?[] Parts);
}
