namespace ClipTools.Verifier.Metrics;

/// <summary>numpy's default percentile (method "linear"), reproduced operation for operation.</summary>
public static class Percentile
{
    /// <summary>
    /// The <paramref name="percentile"/>-th percentile of <paramref name="values"/> (reordered in place): virtual
    /// index i = (p / 100) * (n - 1); the result interpolates the sorted values at floor(i) and floor(i) + 1 by
    /// g = i - floor(i), as numpy's <c>_lerp</c> does (a + (b - a) g, or b - (b - a)(1 - g) when g >= 0.5, which
    /// keeps the result monotone). Only the two order statistics are selected, in O(n); nothing is fully sorted.
    /// </summary>
    public static double Linear(double[] values, double percentile) => Linear(values.AsSpan(), percentile);

    /// <inheritdoc cref="Linear(double[], double)"/>
    public static double Linear(Span<double> values, double percentile) => Linear(values, percentile, prefilter: true);

    /// <param name="prefilter">false: select over every value (the caller knows the prefilter would give up)</param>
    internal static double Linear(Span<double> values, double percentile, bool prefilter)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("the percentile of an empty array is undefined");
        }
        if (!(percentile is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is between 0 and 100");
        }
        var q = percentile / 100;
        var n = values.Length;
        var virtualIndex = (n - 1) * q;
        if (virtualIndex >= n - 1)
        {
            return Select(values, n - 1);
        }
        var previousIndex = (int)Math.Floor(virtualIndex);
        if (prefilter && n >= PrefilterMinimum && TailPercentile(values, virtualIndex, previousIndex) is { } fromTail)
        {
            return fromTail;
        }
        return Interpolate(values, virtualIndex, previousIndex);
    }

    /// <summary>Below this many values the plain selection is as fast as the prefilter.</summary>
    internal const int PrefilterMinimum = 1 << 14;

    /// <summary>
    /// The same percentile from the values at or above a threshold just under it: a sorted sample (every 64th value)
    /// gives the threshold, one pass counts the values below it and gathers the rest, and the selection runs on those
    /// alone (for the 99.9th percentile, a few in a thousand). The order statistics are values of the array, so the
    /// result is exactly the full selection's. Null when the threshold turns out too high (or the gathered part too
    /// large to be worth it): the caller then selects over everything.
    /// </summary>
    private static double? TailPercentile(Span<double> values, double virtualIndex, int previousIndex)
    {
        var n = values.Length;
        var pool = System.Buffers.ArrayPool<double>.Shared;
        var sample = pool.Rent(n / SampleStride);
        double threshold;
        try
        {
            for (var i = 0; i < n / SampleStride; i++)
            {
                sample[i] = values[i * SampleStride];
            }
            if (Threshold(sample.AsSpan(0, n / SampleStride), n, previousIndex) is not { } found)
            {
                return null;
            }
            threshold = found;
        }
        finally
        {
            pool.Return(sample);
        }
        var capacity = TailCapacity(n, previousIndex);
        var gathered = pool.Rent(capacity);
        try
        {
            var count = 0;
            var below = 0;
            foreach (var v in values)
            {
                if (v < threshold)
                {
                    below++;
                }
                else if (count < capacity)
                {
                    gathered[count++] = v;
                }
                else
                {
                    return null;
                }
            }
            if (below > previousIndex)
            {
                return null;
            }
            return Interpolate(gathered.AsSpan(0, count), virtualIndex - below, previousIndex - below);
        }
        finally
        {
            pool.Return(gathered);
        }
    }

    /// <summary>The prefilter samples every this many values.</summary>
    internal const int SampleStride = 64;

    /// <summary>
    /// How many values at or above the threshold the prefilter gathers at most (beyond, it gives up): twice what the
    /// threshold's rank predicts (the values above the order statistic, and the sample margin's worth of values
    /// under it), and at least n/16. A fixed n/16 was too little for taps of under ~200K values, whose margin is a
    /// larger share of the sample: every one of them gathered in vain, then selected over all its values.
    /// </summary>
    internal static int TailCapacity(int n, int previousIndex)
    {
        var expected = (double)(n - previousIndex) + ((Margin(n / SampleStride) + 1) * SampleStride);
        return (int)Math.Min(n, Math.Max(Math.Max(n / 16, 1024), 2 * expected));
    }

    /// <summary>How many sample ranks under the wanted one the threshold is taken: three standard deviations of a
    /// rank in a sample of <paramref name="sampleLength"/>, and a few more.</summary>
    private static double Margin(int sampleLength) => (3 * Math.Sqrt(sampleLength)) + 8;

    /// <summary>Virtual index (p / 100) * (n - 1) and the order statistic below it, as numpy computes them.</summary>
    internal static (double VirtualIndex, int PreviousIndex) Position(int n, double percentile)
    {
        var virtualIndex = (n - 1) * (percentile / 100);
        return (virtualIndex, (int)Math.Floor(virtualIndex));
    }

    /// <summary>
    /// The prefilter's threshold from the sample (every <see cref="SampleStride"/>-th of the <paramref name="n"/>
    /// values; reordered): a few standard deviations of the sample's rank below the wanted one, so that it is almost
    /// surely under the order statistic at <paramref name="previousIndex"/>. Null when that rank is not in the sample.
    /// A selection, not a sort: the value at a rank is the same either way.
    /// </summary>
    internal static double? Threshold(Span<double> sample, int n, int previousIndex)
    {
        var rank = (double)previousIndex / n * sample.Length;
        var at = (int)Math.Floor(rank - Margin(sample.Length));
        return at <= 0 ? null : Select(sample, at);
    }

    /// <summary>
    /// The percentile from the values at or above a threshold when <paramref name="below"/> values lie under it:
    /// exactly the full selection's, as long as the order statistic at <paramref name="previousIndex"/> is not
    /// among those below (the caller checks <c>below &lt;= previousIndex</c>).
    /// </summary>
    internal static double FromTail(Span<double> tail, double virtualIndex, int previousIndex, long below) =>
        Interpolate(tail, virtualIndex - below, previousIndex - (int)below);

    /// <summary>The interpolation between the order statistics at <paramref name="previousIndex"/> and the next.</summary>
    internal static double Interpolate(Span<double> values, double virtualIndex, int previousIndex)
    {
        var n = values.Length;
        var previous = Select(values, previousIndex);
        // After the selection everything right of previousIndex is >= it: its minimum is the next order statistic.
        var next = double.PositiveInfinity;
        for (var i = previousIndex + 1; i < n; i++)
        {
            next = Math.Min(next, values[i]);
        }
        var gamma = virtualIndex - previousIndex;
        var difference = next - previous;
        return gamma >= 0.5 ? next - difference * (1 - gamma) : previous + difference * gamma;
    }

    /// <summary>
    /// Quickselect (Hoare partition, median-of-three pivot): the k-th smallest value, with every value left of k
    /// no larger and every value right of k no smaller afterwards.
    /// </summary>
    private static double Select(Span<double> values, int k)
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            var middle = left + ((right - left) / 2);
            if (values[middle] < values[left]) { Swap(values, middle, left); }
            if (values[right] < values[left]) { Swap(values, right, left); }
            if (values[right] < values[middle]) { Swap(values, right, middle); }
            var pivot = values[middle];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) { i++; }
                while (values[j] > pivot) { j--; }
                if (i <= j)
                {
                    Swap(values, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }
        return values[k];
    }

    private static void Swap(Span<double> values, int a, int b) => (values[a], values[b]) = (values[b], values[a]);
}
