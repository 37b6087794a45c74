using static TorchSharp.torch;

namespace ClipTools.ClipModel.Tests;

public class TorchSharpRuntimeTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputes()
    {
        // Fails in TorchSharp's type initializer when libLibTorchSharp.so cannot load (see native/README.md).
        using var sum = ones(2, 3).sum();
        Assert.Equal(6f, sum.item<float>());
    }
}
