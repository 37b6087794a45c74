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
    public static double Linear(Span<double> values, double percentile)
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
