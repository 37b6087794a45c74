using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Model.Construction;

/// <summary>
/// <c>nn.Embedding</c>'s forward (row <c>i</c> of <c>weight</c> for each id <c>i</c>: an exact gather) over a
/// parameter it is given, so building it never initialises anything (see <see cref="Layers.Embedding"/>).
/// </summary>
public sealed class EmbeddingTable : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;   // [count, width]

    public EmbeddingTable(Parameter weight) : base("Embedding")
    {
        this.weight = weight;
        RegisterComponents();
    }

    /// <param name="ids">int64 ids of any shape</param>
    /// <returns>[..ids.shape, width]</returns>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var rows = weight.index_select(0, ids.flatten());
        return rows.view([.. ids.shape, weight.shape[1]]).MoveToOuterDisposeScope();
    }
}
