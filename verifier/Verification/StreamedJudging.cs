using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ClipTools.Verifier.Fixtures;
using ClipTools.Verifier.Metrics;
using ClipTools.Verifier.Runner;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Verification;

/// <summary>
/// Judges taps on worker threads while the model computes the next ones: <see cref="Submit"/> copies a tap's values
/// (the module's tensor is only valid during its hook) and queues its judgement; <see cref="Complete"/> waits for all.
/// The copies waiting or being judged hold at most <see cref="MaxPendingBytes"/>, so memory stays bounded. Each
/// judgement is the same computation whichever thread does it; an error is raised as the sequential judgement would
/// have raised it: the one of the earliest tap.
/// </summary>
/// <param name="maxPendingBytes">the budget (<see cref="MaxPendingBytes"/> unless a test sets a smaller one)</param>
internal sealed class StreamedJudging(Fixture fixture, TapJudge judge, RunMode mode, MappedFixture? mapped,
    long maxPendingBytes = StreamedJudging.MaxPendingBytes) : IDisposable
{
    /// <summary>
    /// How far the model may run ahead of the judging (a tap larger than this waits until nothing else is pending).
    /// Judging a tap costs about what computing it does, but a ResNet's first stages make most of the values at once:
    /// with only a few taps pending, the model waited for their judging instead of computing the rest of the model
    /// meanwhile (RN50 on 2 cores: the chained image taps are 312 MB as float32).
    /// </summary>
    public const long MaxPendingBytes = 256L << 20;

    /// <summary>Where judgements run: <see cref="CoreShare.Judging"/> at a time, whatever else the thread pool runs.</summary>
    private static readonly TaskScheduler Workers = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, CoreShare.Judging).ConcurrentScheduler;

    private readonly List<(string Name, Task<TapResult> Judgement)> _pending = [];
    private readonly object _gate = new();
    private long _pendingBytes;
    private int _pendingCount;

    /// <summary>Copies <paramref name="value"/> and judges it against the fixture's <c>tap.NAME</c> in the background.</summary>
    public void Submit(string name, string tower, Tensor value)
    {
        var shape = value.shape;
        var bytes = value.numel() * (value.dtype == ScalarType.Float32 ? sizeof(float) : sizeof(double));
        Reserve(bytes);
        PooledValues candidate;
        try
        {
            candidate = Copy(value);
        }
        catch
        {
            Release(bytes);
            throw;
        }
        var judgement = Task.Factory.StartNew(() =>
        {
            try
            {
                return candidate.Floats is { } floats
                    ? FixtureComparison.JudgeValues<float>(fixture, judge, mode, name, tower, $"tap.{name}", shape, floats.AsSpan(0, candidate.Length), mapped)
                    : FixtureComparison.JudgeValues<double>(fixture, judge, mode, name, tower, $"tap.{name}", shape, candidate.Doubles.AsSpan(0, candidate.Length), mapped);
            }
            finally
            {
                candidate.Return();
                Release(bytes);
            }
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Workers);
        _pending.Add((name, judgement));
    }

    /// <summary>Waits until <paramref name="bytes"/> more fit in the budget, or nothing is pending.</summary>
    private void Reserve(long bytes)
    {
        lock (_gate)
        {
            while (_pendingCount > 0 && _pendingBytes + bytes > maxPendingBytes)
            {
                Monitor.Wait(_gate);
            }
            _pendingBytes += bytes;
            _pendingCount++;
        }
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _pendingBytes -= bytes;
            _pendingCount--;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Every submitted tap's result, once all are judged; the earliest tap's error if any failed.</summary>
    public IReadOnlyDictionary<string, TapResult> Complete()
    {
        WaitAll();
        var results = new Dictionary<string, TapResult>(StringComparer.Ordinal);
        foreach (var (name, judgement) in _pending)
        {
            if (judgement.IsFaulted)
            {
                ExceptionDispatchInfo.Throw(judgement.Exception!.InnerException!);
            }
            results[name] = judgement.Result;
        }
        return results;
    }

    /// <summary>Waits for the judgements still running (a run that failed leaves none behind it).</summary>
    public void Dispose()
    {
        WaitAll();
    }

    private void WaitAll()
    {
        try
        {
            Task.WaitAll(_pending.Select(p => (Task)p.Judgement));
        }
        catch (AggregateException)
        {
            // Every judgement has ended; Complete reports the earliest failure.
        }
    }

    /// <summary>A float32 tensor's values as they are; any other dtype widened to float64 (exactly, as before).</summary>
    private static PooledValues Copy(Tensor value)
    {
        using var scope = NewDisposeScope();
        var n = checked((int)value.numel());
        if (value.dtype == ScalarType.Float32)
        {
            var floats = ArrayPool<float>.Shared.Rent(n);
            MemoryMarshal.Cast<byte, float>(value.detach().contiguous().bytes).CopyTo(floats);
            return new PooledValues(floats, null, n);
        }
        var doubles = ArrayPool<double>.Shared.Rent(n);
        MemoryMarshal.Cast<byte, double>(value.detach().to(ScalarType.Float64).contiguous().bytes).CopyTo(doubles);
        return new PooledValues(null, doubles, n);
    }

    private sealed record PooledValues(float[]? Floats, double[]? Doubles, int Length)
    {
        public void Return()
        {
            if (Floats is not null)
            {
                ArrayPool<float>.Shared.Return(Floats);
            }
            if (Doubles is not null)
            {
                ArrayPool<double>.Shared.Return(Doubles);
            }
        }
    }
}
