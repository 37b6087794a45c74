using ClipTools.Checkpoints.Families;
using ClipTools.Input.Preprocessing;
using ClipTools.Input.Tokenizer;
using static TorchSharp.torch;

namespace ClipTools.Run.Commands;

/// <summary>
/// Raw inputs to a model's tensors: images preprocessed at the model's resolution, texts tokenized into its
/// context, each id checked against its vocabulary.
/// </summary>
internal static class ModelInputs
{
    /// <summary>[N, 3, R, R] float32: openai/CLIP's preprocessing gives RGB, so a model of other channels is refused.</summary>
    public static Tensor Images(IReadOnlyList<string> paths, IModelConfig config)
    {
        if (config.ImageChannels != 3)
        {
            throw new RunUsageException($"the model takes {config.ImageChannels}-channel images; image files are preprocessed to RGB (3 channels)");
        }
        var size = config.ImageResolution;
        var values = new float[paths.Count * 3 * size * size];
        for (var i = 0; i < paths.Count; i++)
        {
            ClipPreprocessing.PreprocessFile(paths[i], size).CopyTo(values, i * 3 * size * size);
        }
        return tensor(values, [paths.Count, 3, size, size]);
    }

    /// <summary>
    /// [T, context] int64. An id the model's vocabulary does not hold is an error; with <paramref name="foldIds"/>
    /// (test models with a small vocabulary only) it is taken modulo the vocabulary size.
    /// </summary>
    public static Tensor Texts(IReadOnlyList<string> texts, IModelConfig config, bool truncate, bool foldIds)
    {
        var context = config.ContextLength;
        var ids = new long[texts.Count * context];
        for (var t = 0; t < texts.Count; t++)
        {
            int[] row;
            try
            {
                row = ClipTokenizer.Default.Tokenize(texts[t], context, truncate);
            }
            catch (TextTooLongException e)
            {
                throw new RunUsageException($"text \"{texts[t]}\": {e.Message}; the model's context is {context} (--truncate cuts it)");
            }
            for (var i = 0; i < context; i++)
            {
                var id = row[i];
                if (id >= config.VocabSize)
                {
                    if (!foldIds)
                    {
                        throw new RunUsageException($"text \"{texts[t]}\": token id {id} is outside the model's vocabulary of {config.VocabSize}; "
                            + "the model was not made for the CLIP tokenizer (--fold-ids runs a small-vocabulary test model anyway)");
                    }
                    id %= config.VocabSize;
                }
                ids[t * context + i] = id;
            }
        }
        return tensor(ids, [texts.Count, context]);
    }
}
