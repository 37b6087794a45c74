using TorchSharp;
using static TorchSharp.torch;

namespace ClipTools.Families.Tutorial;

/// <summary>
/// Sinusoidal positional encoding, added to the first L rows. The table is the buffer <c>pe</c>
/// [1, max_len, d_model], part of the state dict: it is computed here as the seed does (float32) and then
/// replaced by the checkpoint's own copy on load.
/// </summary>
public sealed class PositionalEncoding : nn.Module<Tensor, Tensor>
{
    private readonly Tensor pe; // [1, max_len, d_model]

    public PositionalEncoding(long dModel, long maxLen = 512) : base(nameof(PositionalEncoding))
    {
        using (var scope = NewDisposeScope())
        {
            var table = zeros(maxLen, dModel);
            var position = arange(0, maxLen, dtype: ScalarType.Float32).unsqueeze(1);                 // [max_len, 1]
            var divTerm = exp(arange(0, dModel, 2).to(ScalarType.Float32) * (-log(tensor(10000.0f)) / dModel));
            table[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = sin(position * divTerm);
            table[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = cos(position * divTerm);
            pe = table.unsqueeze(0).MoveToOuterDisposeScope();
        }
        RegisterComponents();
    }

    /// <param name="x">[B, L, D], L at most max_len</param>
    public override Tensor forward(Tensor x) => x + pe.narrow(1, 0, x.shape[1]);
}
