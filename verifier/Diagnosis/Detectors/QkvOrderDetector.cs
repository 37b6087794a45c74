using static TorchSharp.torch;

namespace ClipTools.Verifier.Diagnosis.Detectors;

/// <summary>
/// q, k and v taken in the wrong order: the packed <c>in_proj_weight</c> (and <c>in_proj_bias</c>) split into thirds
/// in another order than q, k, v, or the separate <c>q_proj</c>/<c>k_proj</c>/<c>v_proj</c> of the ResNet's attention
/// pool swapped. The failing stage is replayed with each of the five other orders, for each attention in it.
/// </summary>
public sealed class QkvOrderDetector : IFaultDetector
{
    private static readonly string[] Roles = ["q", "k", "v"];

    private static readonly int[][] Orders = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

    public string Cause => Causes.QkvOrder;

    public FaultDiagnosis? Examine(DiagnosisContext context)
    {
        if (context.Replay is not { } replay)
        {
            return null;
        }
        (string Attention, int[] Order, AlternativeFit Fit)? best = null;
        foreach (var (attention, parts) in Attentions(replay))
        {
            foreach (var order in Orders)
            {
                var fit = context.Fit(replay.RunWith(Permuted(replay, parts, order)));
                if (fit is not null && fit.Explains(context.NoiseBound) && (best is null || fit.After < best.Value.Fit.After))
                {
                    best = (attention, order, fit);
                }
            }
        }
        if (best is not { } found)
        {
            return null;
        }
        // The replay applies `order`; as the model is the candidate, that order undoes the port's, so the port's is its inverse.
        var used = context.Role == ModelRole.Candidate ? Inverse(found.Order) : found.Order;
        var label = string.Join(", ", Inverse(used).Select(r => Roles[r]));
        return new FaultDiagnosis(Cause, context.Tap, $"{found.Attention} split as ({label}) instead of (q, k, v): {found.Fit}", found.Fit.Support);
    }

    /// <summary>Each attention of the replayed stages: its name and the parameters split (or kept) as q, k, v.</summary>
    private static IEnumerable<(string Attention, Part[] Parts)> Attentions(StageReplay replay)
    {
        var names = replay.Parameters.ToHashSet();
        foreach (var name in replay.Parameters)
        {
            if (name.EndsWith("in_proj_weight", StringComparison.Ordinal))
            {
                var prefix = name[..^"in_proj_weight".Length];
                var bias = prefix + "in_proj_bias";
                yield return (name[..^"_weight".Length],
                    names.Contains(bias) ? [Part.Packed(name), Part.Packed(bias)] : [Part.Packed(name)]);
            }
            else if (name.EndsWith("q_proj.weight", StringComparison.Ordinal))
            {
                var prefix = name[..^"q_proj.weight".Length];
                var parts = new List<Part>();
                foreach (var kind in new[] { "weight", "bias" })
                {
                    var separate = Roles.Select(r => $"{prefix}{r}_proj.{kind}").ToArray();
                    if (separate.All(names.Contains) && separate.Select(replay.ShapeOf).DistinctBy(s => string.Join(",", s!)).Count() == 1)
                    {
                        parts.Add(Part.Separate(separate));
                    }
                }
                if (parts.Count > 0)
                {
                    yield return ($"{prefix}q/k/v_proj", [.. parts]);
                }
            }
        }
    }

    /// <summary>The changes that make chunk (or projection) i hold what was at order[i].</summary>
    private static Dictionary<string, Func<Tensor, Tensor>> Permuted(StageReplay replay, Part[] parts, int[] order)
    {
        var changes = new Dictionary<string, Func<Tensor, Tensor>>();
        foreach (var part in parts)
        {
            if (part.Names.Length == 1)
            {
                changes[part.Names[0]] = t => t.shape[0] % 3 == 0 ? cat(order.Select(i => t.chunk(3, 0)[i]).ToList(), 0) : t;
            }
            else
            {
                var values = part.Names.Select(replay.ValueOf).ToArray();
                for (var i = 0; i < 3; i++)
                {
                    var source = values[order[i]];
                    changes[part.Names[i]] = t => source is null ? t : source;
                }
            }
        }
        return changes;
    }

    private static int[] Inverse(int[] order)
    {
        var inverse = new int[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            inverse[order[i]] = i;
        }
        return inverse;
    }

    /// <summary>One packed parameter split in thirds, or three separate ones (q, k, v).</summary>
    private sealed record Part(string[] Names)
    {
        public static Part Packed(string name) => new([name]);

        public static Part Separate(string[] names) => new(names);
    }
}
