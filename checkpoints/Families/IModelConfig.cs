namespace ClipTools.Checkpoints.Families;

/// <summary>What generic code (converter, runner, fixtures) needs to know of any family's model config.</summary>
public interface IModelConfig
{
    /// <summary>The family's <see cref="IFamilySpec.Name"/>.</summary>
    string Family { get; }

    /// <summary>The image side R: images are <c>[N, C, R, R]</c>.</summary>
    int ImageResolution { get; }

    /// <summary>The image channels C: 3 (RGB) unless the family's config says otherwise (the tutorial's <c>in_channels</c>).</summary>
    int ImageChannels => 3;

    /// <summary>Tokens per text: texts are int64 <c>[T, ContextLength]</c>.</summary>
    int ContextLength { get; }

    /// <summary>Token ids are below this.</summary>
    int VocabSize { get; }

    /// <summary>The width of both towers' features.</summary>
    int EmbedDim { get; }

    /// <summary>
    /// What the state-dict shapes cannot tell (the activation, head counts), as strings. It travels with converted
    /// weights (safetensors metadata, a <c>.dat.json</c> sidecar) and goes back into <see cref="IFamilySpec.InferConfig"/>.
    /// </summary>
    IReadOnlyDictionary<string, string> Metadata { get; }
}
