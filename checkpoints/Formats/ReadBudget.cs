namespace ClipTools.Checkpoints.Formats;

/// <summary>
/// What reading one file may cost, sized from the file: memory the readers allocate because the file says so
/// (pickles, inflated entries, byte strings built while unpickling), tensor bytes the file declares (what a
/// conversion will produce), and nodes the walkers visit. A hostile file that asks for more is refused before the
/// allocation or the visit, whatever the mechanism (shared substructure, inflation, zero strides, repeated calls).
/// Legitimate checkpoints stay far inside: their tensor bytes are the file's bytes, every object costs at least one
/// byte of pickle, and a container is reached once or, when shared, a few times.
/// </summary>
public sealed class ReadBudget
{
    /// <summary>Allowance every file gets on top of the per-byte ones: headers, small pickles, fixed structures.</summary>
    public const long FixedBytes = 64L << 20;

    public const long FixedVisits = 10_000;

    /// <summary>Memory and declared tensor bytes allowed per byte of file.</summary>
    public const long BytesPerFileByte = 2;

    /// <summary>Container items and module attributes visited per byte of file (each costs a pickle byte or more).</summary>
    public const long VisitsPerFileByte = 1;

    // The budget of the read the current thread is doing, for the pickle constructors Razorvine calls statically.
    [ThreadStatic]
    private static ReadBudget? current;

    private long bytesLeft;
    private long tensorBytesLeft;
    private long visitsLeft;

    public ReadBudget(long fileLength, double scale = 1)
    {
        if (!(scale >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), "budget scale is at least 1");
        }
        BytesLimit = Scaled(BytesPerFileByte * fileLength + FixedBytes, scale);
        TensorBytesLimit = BytesLimit;
        VisitsLimit = Scaled(VisitsPerFileByte * fileLength + FixedVisits, scale);
        bytesLeft = BytesLimit;
        tensorBytesLeft = TensorBytesLimit;
        visitsLeft = VisitsLimit;
    }

    // Per logical flow (an in-process CLI run, a test), not process-wide, so parallel runs do not see each other's.
    private static readonly AsyncLocal<double> ScaleSetting = new();

    /// <summary>Multiplies every budget of every file this flow reads afterwards (<c>--read-budget</c>); 1 by default.</summary>
    public static double Scale
    {
        get => ScaleSetting.Value >= 1 ? ScaleSetting.Value : 1;
        set => ScaleSetting.Value = value;
    }

    public long BytesLimit { get; }

    public long TensorBytesLimit { get; }

    public long VisitsLimit { get; }

    /// <summary>The budget in force on this thread (while a pickle is loaded), or null outside a read.</summary>
    public static ReadBudget? Current => current;

    /// <summary>Makes this the thread's budget until the returned scope is disposed.</summary>
    public Scope Enter() => new(this);

    /// <summary>Memory about to be allocated because the file asks for it; refused before the allocation.</summary>
    public void ChargeBytes(long bytes, string what, FormatPlace? where = null) =>
        Charge(ref bytesLeft, bytes, BytesLimit, $"{what} needs {bytes} bytes", "bytes of memory", where);

    /// <summary>Tensor bytes a reader declares: what converting the file produces.</summary>
    public void ChargeTensorBytes(long bytes, FormatPlace? where = null) =>
        Charge(ref tensorBytesLeft, bytes, TensorBytesLimit, $"tensors declare {TensorBytesLimit - tensorBytesLeft + bytes} bytes", "tensor bytes", where);

    /// <summary>One container item or module attribute visited by a walker.</summary>
    public void ChargeVisit(FormatPlace? where = null) =>
        Charge(ref visitsLeft, 1, VisitsLimit, "the object graph is larger than its file (shared substructure visited again and again)", "visits", where);

    private static void Charge(ref long left, long amount, long limit, string what, string unit, FormatPlace? where)
    {
        if (amount < 0 || amount > left)
        {
            throw new CheckpointFormatException(
                FormatErrorKind.BudgetExceeded, $"{what}: over the read budget of {limit} {unit} for a file this size (--read-budget raises it)",
                where);
        }
        left -= amount;
    }

    private static long Scaled(long value, double scale) =>
        scale * value >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)(scale * value);

    public readonly struct Scope : IDisposable
    {
        private readonly ReadBudget? previous;

        internal Scope(ReadBudget budget)
        {
            previous = current;
            current = budget;
        }

        public void Dispose() => current = previous;
    }
}
