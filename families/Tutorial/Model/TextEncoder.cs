using TorchSharp;
using ClipTools.Model.Taps;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// The tutorial CLIP's text encoder: token embeddings plus the sinusoidal encoding, a stack of PyTorch encoder
/// layers, and the mean over every position (padding included; there is no mask).
/// </summary>
/// <remarks>
/// A property of the model, reproduced on purpose: the seed feeds its not-batch-first encoder a [B, L, D] tensor,
/// which the layers read as [S = B, N = L, D]. Self-attention therefore mixes the B texts of a batch (at each
/// position separately), never the positions of one text. A text's features depend on the texts batched with it,
/// and a batch of one attends only to itself.
/// </remarks>
public sealed class TextEncoder : nn.Module<Tensor, Tensor>
{
    [Tap]
    private readonly Embedding embeddings;
    [Tap]
    private readonly PositionalEncoding positional_encoding;
    private readonly TransformerEncoder transformer_encoder;

    public TextEncoder(long vocabSize, long dModel = 768, long numLayers = 6, long numHeads = 12, long dFf = 3072,
        long maxLen = 512, double dropout = 0.1) : base(nameof(TextEncoder))
    {
        embeddings = nn.Embedding(vocabSize, dModel);
        positional_encoding = new PositionalEncoding(dModel, maxLen);
        transformer_encoder = new TransformerEncoder(() => new TransformerEncoderLayer(dModel, numHeads, dFf, dropout), numLayers);
        RegisterComponents();
    }

    /// <summary>The encoder's layers in order, with their paths relative to this module.</summary>
    public IEnumerable<(string Path, nn.Module<Tensor, Tensor> Layer)> Layers =>
        transformer_encoder.Layers.Select(l => ($"transformer_encoder.{l.Path}", l.Layer));

    /// <param name="text">[B, L] int64 token ids</param>
    /// <returns>[B, D]</returns>
    public override Tensor forward(Tensor text)
    {
        using var scope = NewDisposeScope();
        var output = transformer_encoder.call(Embed(text)); // [B, L, D], attention across B at each position
        return Pool(output).MoveToOuterDisposeScope();
    }

    /// <param name="text">[B, L] int64 token ids</param>
    /// <returns>[B, L, D]: embeddings plus positional encoding, the first layer's input</returns>
    public Tensor Embed(Tensor text)
    {
        var embedded = embeddings.call(text);             // [B, L, D]
        return positional_encoding.call(embedded);        // [B, L, D]
    }

    /// <param name="output">[B, L, D], the last layer's output</param>
    /// <returns>[B, D]: the mean over positions</returns>
    public static Tensor Pool(Tensor output) => output.mean([1]);
}
