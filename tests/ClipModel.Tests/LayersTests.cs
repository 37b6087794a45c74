using ClipTools.Families.Official;
using ClipTools.Model.Construction;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.ClipModel.Tests;

public sealed class LayersTests
{
    [Fact]
    public void UninitialisedLayersHaveRealStorageOfTheRightShapes()
    {
        using (Layers.Uninitialised())
        {
            Assert.False(Layers.Initialising);
            using var linear = Layers.Linear(6, 4);
            using var conv = Layers.Conv2d(3, 5, 3, stride: 2, padding: 1, bias: false);
            using var table = Layers.Embedding(10, 7);
            using var parameter = Layers.Parameter([2, 3], () => throw new InvalidOperationException("init must not run"));
            AssertCpu(linear, ("weight", [4, 6]), ("bias", [4]));
            AssertCpu(conv, ("weight", [5, 3, 3, 3]));
            AssertCpu(table, ("weight", [10, 7]));
            Assert.Equal(DeviceType.CPU, parameter.device_type);
            Assert.Equal([2L, 3], parameter.shape);
            Assert.Null(conv.bias);
        }
        Assert.True(Layers.Initialising);
    }

    [Fact]
    public void OutsideTheScopeLayersAreRandomlyInitialisedAsTorchSharpDoes()
    {
        using var linear = Layers.Linear(64, 32);
        using var table = Layers.Embedding(100, 16);
        // kaiming_uniform(a=sqrt 5) on fan_in 64: U(-1/8, 1/8); nn.Embedding: N(0, 1).
        Assert.True(linear.weight.abs().max().item<float>() <= 0.125f);
        Assert.True(linear.weight.std().item<float>() > 0.05f);
        var std = table.parameters().Single().std().item<float>();
        Assert.InRange(std, 0.9f, 1.1f);
        Assert.Throws<ArgumentException>(() => Layers.Parameter([2, 3], () => zeros(3, 2)));
    }

    [Fact]
    public void ScopesNestAndStayOnTheirThread()
    {
        using (Layers.Uninitialised())
        {
            using (Layers.Uninitialised())
            {
                Assert.False(Layers.Initialising);
            }
            Assert.False(Layers.Initialising);
            var elsewhere = false;
            var thread = new Thread(() => elsewhere = Layers.Initialising);
            thread.Start();
            thread.Join();
            Assert.True(elsewhere);
        }
        Assert.True(Layers.Initialising);
    }

    [Fact]
    public void EmbeddingTableLooksUpRowsLikeNnEmbedding()
    {
        using var weight = randn(12, 5);
        using var table = new EmbeddingTable(new TorchSharp.Modules.Parameter(weight.clone()));
        using var reference = nn.Embedding_from_pretrained(weight.clone());
        using var ids = tensor(new long[] { 3, 0, 11, 3, 7, 1 }, [2, 3]);
        using var got = table.call(ids);
        using var want = reference.call(ids);
        Assert.Equal([2L, 3, 5], got.shape);
        Assert.True(got.eq(want).all().item<bool>());
        Assert.Equal(["weight"], table.state_dict().Keys);
    }

    public static TheoryData<ClipConfig> Configs => new()
    {
        new ClipConfig(32, 64, [1, 2, 1, 1], 4, null, 8, 100, 64, 1, 2, ClipActivation.QuickGelu),
        new ClipConfig(32, 32, [2], 64, 8, 8, 100, 64, 1, 2, ClipActivation.QuickGelu),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void AnUninitialisedBuildHasTheStateDictOfAnInitialisedOne(ClipConfig config)
    {
        using var initialised = new Clip(config);
        Clip uninitialised;
        using (Layers.Uninitialised())
        {
            uninitialised = new Clip(config);
        }
        using (uninitialised)
        {
            var a = initialised.state_dict();
            var b = uninitialised.state_dict();
            Assert.Equal(a.Keys, b.Keys);
            foreach (var (name, tensor) in a)
            {
                Assert.Equal(tensor.shape, b[name].shape);
                Assert.Equal(tensor.dtype, b[name].dtype);
                Assert.Equal(DeviceType.CPU, b[name].device_type);
            }
        }
    }

    private static void AssertCpu(nn.Module module, params (string Name, long[] Shape)[] expected)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(expected.Select(e => e.Name).Order(), parameters.Keys.Order());
        foreach (var (name, shape) in expected)
        {
            Assert.Equal(DeviceType.CPU, parameters[name].device_type);
            Assert.Equal(shape, parameters[name].shape);
        }
    }
}
