using ClipTools.Verifier.Runner;
using ClipTools.Verifier.Verification;
using static TorchSharp.torch;

namespace ClipTools.Verifier.Tests.Verification;

/// <summary>A verification gives the model's ops and the judging half the cores each, and the model's limit holds for
/// the verifying thread only, until it is lifted.</summary>
public sealed class CoreShareTests
{
    [Fact]
    public void TheModelAndTheJudgingShareTheCores()
    {
        Assert.True(CoreShare.Model >= 1 && CoreShare.Judging >= 1);
        Assert.Equal(Math.Max(Environment.ProcessorCount, 2), CoreShare.Model + CoreShare.Judging);
        Assert.True(CoreShare.Model >= CoreShare.Judging);
    }

    [Fact]
    public void TheThreadLimitHoldsForTheCallingThreadOnlyUntilLifted()
    {
        var before = get_num_threads();
        var limit = Math.Max(1, before / 2);
        using (LibTorchThreads.Limit(limit))
        {
            Assert.Equal(limit, get_num_threads());
            // A thread of its own (not a pool thread another test may have limited) keeps libtorch's default.
            var other = 0;
            var thread = new Thread(() => other = get_num_threads());
            thread.Start();
            thread.Join();
            Assert.Equal(before, other);
            // The ops still run, with the same results on any thread count for an elementwise op.
            Assert.Equal(6.0, (ones(2, 3) * 1.0).sum().item<float>());
        }
        Assert.Equal(before, get_num_threads());
    }
}
