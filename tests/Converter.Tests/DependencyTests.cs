using ClipTools.Checkpoints.Formats;
using ClipTools.Converter.Cli;

namespace ClipTools.Converter.Tests;

/// <summary>The converter never runs a model, so neither it nor the checkpoint library may need TorchSharp or libtorch.</summary>
public class DependencyTests
{
    [Fact]
    public void ConverterAndCheckpointLibraryReferenceNoTorchSharp()
    {
        foreach (var assembly in new[] { typeof(ConvertCommand).Assembly, typeof(TensorSet).Assembly })
        {
            var references = assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
            Assert.DoesNotContain(references, n => n!.StartsWith("TorchSharp", StringComparison.Ordinal));
            Assert.DoesNotContain("ClipTools.Model", references);
        }
    }
}
