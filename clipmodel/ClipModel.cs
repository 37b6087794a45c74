using ClipTools.Checkpoints.Conversion;
using ClipTools.Checkpoints.Formats;
using ClipTools.Model.Construction;
using ClipTools.Model.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Model;

/// <summary>How <see cref="ClipModel.Load"/> builds the model.</summary>
/// <param name="DType">the model's float type (weights are converted to it)</param>
/// <param name="Activation">
/// <c>quick_gelu</c> or <c>gelu</c>, for an OpenAI-layout checkpoint that does not say which it uses (as <c>--act</c>)
/// </param>
/// <param name="Metadata">
/// what the shapes cannot tell, as <c>--meta KEY=VALUE</c> (the family's <c>MetadataKeys</c>: the tutorial family's
/// <c>num_heads</c>, the official <c>vision_heads</c>...); disagreeing with the checkpoint's own metadata is an error
/// </param>
public sealed record ClipModelOptions(ScalarType DType = ScalarType.Float32, string? Activation = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>
/// Loads a CLIP model of any registered family from any checkpoint the converter reads (released TorchScript
/// archives, <c>torch.save</c> state dicts, safetensors, Paddle <c>.pdparams</c>, TorchSharp <c>.dat</c>), in
/// process and without temporary files: the format is detected from the bytes, the layout and family from the key
/// names, the config from the shapes and metadata, and the weights are loaded strictly.
/// </summary>
/// <example>
/// <code>
/// using var model = ClipModel.Load("RN50.pt");
/// using var features = model.EncodeImage(images);          // [N, 3, 224, 224] -> [N, 1024]
/// var (perImage, perText) = model.Logits(images, tokens);   // [N, T], [T, N]
/// </code>
/// </example>
public static class ClipModel
{
    /// <summary>Reads <paramref name="path"/> and returns the model in eval mode.</summary>
    /// <exception cref="CheckpointFormatException">the file is not a checkpoint of a known family, or its config
    /// cannot be known (the message is one line and says what and where)</exception>
    public static IDualEncoder Load(string path, ClipModelOptions? options = null)
    {
        options ??= new ClipModelOptions();
        using var input = CheckpointFile.Read(path);
        var conversion = ConversionPipeline.Run(input, new ConversionOptions(DType: OutputDType.Keep, Activation: options.Activation, Metadata: options.Metadata), path);
        IDualEncoder model;
        using (Layers.Uninitialised())
        {
            // Every parameter is overwritten by the strict load below (which refuses a checkpoint missing any).
            model = FamilyModels.Build(conversion.Config);
        }
        try
        {
            model.Module.to(options.DType);
            StrictLoad.Into(model.Module, conversion.Tensors, path);
            model.Module.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
