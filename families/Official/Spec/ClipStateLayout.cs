using ClipTools.Checkpoints.Families;

namespace ClipTools.Families.Official;

/// <summary>
/// The names and shapes of the official state dict for a config, without building the network, so tools that only
/// move bytes (the converter) can check a checkpoint against it. Tests hold it equal to the TorchSharp model's own
/// state dict and to the PyTorch reference's for every preset.
/// </summary>
public static class ClipStateLayout
{
    public static IReadOnlyList<StateEntry> Expected(ClipConfig c)
    {
        var entries = new List<StateEntry>();
        void Add(string name, params long[] shape) => entries.Add(new StateEntry(name, shape));
        void Linear(string name, long inputs, long outputs)
        {
            Add($"{name}.weight", outputs, inputs);
            Add($"{name}.bias", outputs);
        }
        void Norm(string name, long width)
        {
            Add($"{name}.weight", width);
            Add($"{name}.bias", width);
        }
        void BatchNorm(string name, long width)
        {
            Norm(name, width);
            Add($"{name}.running_mean", width);
            Add($"{name}.running_var", width);
            entries.Add(new StateEntry($"{name}.num_batches_tracked", [], Integer: true));
        }
        void Transformer(string prefix, long width, int layers)
        {
            for (var i = 0; i < layers; i++)
            {
                var block = $"{prefix}.resblocks.{i}";
                Add($"{block}.attn.in_proj_weight", 3 * width, width);
                Add($"{block}.attn.in_proj_bias", 3 * width);
                Linear($"{block}.attn.out_proj", width, width);
                Norm($"{block}.ln_1", width);
                Linear($"{block}.mlp.c_fc", width, 4 * width);
                Linear($"{block}.mlp.c_proj", 4 * width, width);
                Norm($"{block}.ln_2", width);
            }
        }

        Add("positional_embedding", c.ContextLength, c.TransformerWidth);
        Add("text_projection", c.TransformerWidth, c.EmbedDim);
        Add("logit_scale");

        var w = (long)c.VisionWidth;
        if (c.IsResNet)
        {
            Add("visual.conv1.weight", w / 2, 3, 3, 3);
            BatchNorm("visual.bn1", w / 2);
            Add("visual.conv2.weight", w / 2, w / 2, 3, 3);
            BatchNorm("visual.bn2", w / 2);
            Add("visual.conv3.weight", w, w / 2, 3, 3);
            BatchNorm("visual.bn3", w);
            var inplanes = w;
            for (var stage = 0; stage < 4; stage++)
            {
                var planes = w << stage;
                for (var b = 0; b < c.VisionLayers[stage]; b++)
                {
                    var block = $"visual.layer{stage + 1}.{b}";
                    Add($"{block}.conv1.weight", planes, inplanes, 1, 1);
                    BatchNorm($"{block}.bn1", planes);
                    Add($"{block}.conv2.weight", planes, planes, 3, 3);
                    BatchNorm($"{block}.bn2", planes);
                    Add($"{block}.conv3.weight", 4 * planes, planes, 1, 1);
                    BatchNorm($"{block}.bn3", 4 * planes);
                    var stride = b == 0 && stage > 0 ? 2 : 1;
                    if (stride > 1 || inplanes != 4 * planes)
                    {
                        Add($"{block}.downsample.0.weight", 4 * planes, inplanes, 1, 1);
                        BatchNorm($"{block}.downsample.1", 4 * planes);
                    }
                    inplanes = 4 * planes;
                }
            }
            var embed = 32 * w;
            var grid = c.ImageResolution / 32;
            Add("visual.attnpool.positional_embedding", grid * grid + 1, embed);
            Linear("visual.attnpool.k_proj", embed, embed);
            Linear("visual.attnpool.q_proj", embed, embed);
            Linear("visual.attnpool.v_proj", embed, embed);
            Linear("visual.attnpool.c_proj", embed, c.EmbedDim);
        }
        else
        {
            var patch = c.VisionPatchSize!.Value;
            var grid = c.ImageResolution / patch;
            Add("visual.class_embedding", w);
            Add("visual.positional_embedding", grid * grid + 1, w);
            Add("visual.proj", w, c.EmbedDim);
            Add("visual.conv1.weight", w, 3, patch, patch);
            Norm("visual.ln_pre", w);
            Transformer("visual.transformer", w, c.VisionLayers[0]);
            Norm("visual.ln_post", w);
        }

        Transformer("transformer", c.TransformerWidth, c.TransformerLayers);
        Add("token_embedding.weight", c.VocabSize, c.TransformerWidth);
        Norm("ln_final", c.TransformerWidth);
        return entries;
    }
}
