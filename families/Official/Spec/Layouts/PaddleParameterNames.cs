using ClipTools.Checkpoints.Layouts;

namespace ClipTools.Families.Official;

/// <summary>One row of Paddle's <c>StructuredToParameterName@@</c> table.</summary>
public sealed record PaddleParameterName(string StructuredName, string ParameterName);

/// <summary>
/// The <c>StructuredToParameterName@@</c> table <c>paddle.save(model.state_dict())</c> writes for the Paddle port:
/// each structured name (<c>visual.conv1.weight</c>) with the parameter's framework name (<c>conv2d_0.w_0</c>), in
/// the port's state-dict order.
/// <para>
/// Paddle names a layer by its class in snake case plus a per-class counter (<c>linear_7</c>), in construction order,
/// and a parameter by its layer plus <c>.w_N</c> / <c>.b_N</c> (BatchNorm2D: weight <c>w_0</c>, bias <c>b_0</c>,
/// <c>_mean</c> <c>w_1</c>, <c>_variance</c> <c>w_2</c>). This replays the port's constructors as if the model were
/// the first built in a fresh process. The port's MultiHeadAttention builds paddle's four Linears and then replaces
/// <c>out_proj</c>, so one <c>linear_N</c> per attention is skipped, as in a real run. <c>paddle.load</c> drops the
/// table by default and <c>set_state_dict</c> matches structured names, so these names are informational.
/// </para>
/// </summary>
public static class PaddleParameterNames
{
    public static IReadOnlyList<PaddleParameterName> For(ClipConfig c)
    {
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        var table = new List<PaddleParameterName>();
        string NewLayer(string kind)
        {
            counters.TryGetValue(kind, out var n);
            counters[kind] = n + 1;
            return $"{kind}_{n}";
        }
        void Add(string structured, string parameter) => table.Add(new PaddleParameterName(structured, parameter));
        void Conv(string path) => Add($"{path}.weight", $"{NewLayer("conv2d")}.w_0");   // bias_attr=False
        void BatchNorm(string path)
        {
            var l = NewLayer("batch_norm2d");
            Add($"{path}.weight", $"{l}.w_0");
            Add($"{path}.bias", $"{l}.b_0");
            Add($"{path}._mean", $"{l}.w_1");
            Add($"{path}._variance", $"{l}.w_2");
        }
        void WeightAndBias(string path, string kind)
        {
            var l = NewLayer(kind);
            Add($"{path}.weight", $"{l}.w_0");
            Add($"{path}.bias", $"{l}.b_0");
        }
        void Attention(string path)
        {
            NewLayer("multi_head_attention");
            string[] projections = ["q_proj", "k_proj", "v_proj"];
            var names = projections.Select(_ => NewLayer("linear")).ToList();
            NewLayer("linear");                         // paddle's own out_proj, replaced by the port
            names.Add(NewLayer("linear"));
            foreach (var (projection, layer) in projections.Append("out_proj").Zip(names))
            {
                Add($"{path}.{projection}.weight", $"{layer}.w_0");
                Add($"{path}.{projection}.bias", $"{layer}.b_0");
            }
        }
        void Transformer(string prefix, int layers)
        {
            for (var i = 0; i < layers; i++)
            {
                var b = $"{prefix}.resblocks.{i}";
                Attention($"{b}.attn");
                WeightAndBias($"{b}.ln_1", "layer_norm");
                WeightAndBias($"{b}.mlp.c_fc", "linear");
                WeightAndBias($"{b}.mlp.c_proj", "linear");
                WeightAndBias($"{b}.ln_2", "layer_norm");
            }
        }

        var clip = NewLayer("clip");
        Add("positional_embedding", $"{clip}.w_0");
        Add("text_projection", $"{clip}.w_1");
        Add("logit_scale", $"{clip}.w_2");
        if (c.IsResNet)
        {
            NewLayer("modified_res_net");
            for (var i = 1; i <= 3; i++)
            {
                Conv($"visual.conv{i}");
                BatchNorm($"visual.bn{i}");
            }
            var inplanes = c.VisionWidth;
            for (var stage = 0; stage < 4; stage++)
            {
                var planes = c.VisionWidth << stage;
                for (var b = 0; b < c.VisionLayers[stage]; b++)
                {
                    var block = $"visual.layer{stage + 1}.{b}";
                    for (var i = 1; i <= 3; i++)
                    {
                        Conv($"{block}.conv{i}");
                        BatchNorm($"{block}.bn{i}");
                    }
                    if ((b == 0 && stage > 0) || inplanes != 4 * planes)
                    {
                        Conv($"{block}.downsample.0");
                        BatchNorm($"{block}.downsample.1");
                    }
                    inplanes = 4 * planes;
                }
            }
            Add("visual.attnpool.positional_embedding", $"{NewLayer("attention_pool2d")}.w_0");
            Attention("visual.attnpool.attn");
        }
        else
        {
            var visual = NewLayer("visual_transformer");
            Add("visual.class_embedding", $"{visual}.w_0");
            Add("visual.positional_embedding", $"{visual}.w_1");
            Add("visual.proj", $"{visual}.w_2");
            Conv("visual.conv1");
            WeightAndBias("visual.ln_pre", "layer_norm");
            Transformer("visual.transformer", c.VisionLayers[0]);
            WeightAndBias("visual.ln_post", "layer_norm");
        }
        Transformer("transformer", c.TransformerLayers);
        Add("token_embedding.weight", $"{NewLayer("embedding")}.w_0");
        WeightAndBias("ln_final", "layer_norm");
        return table;
    }
}
