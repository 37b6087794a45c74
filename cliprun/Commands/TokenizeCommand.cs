using System.CommandLine;
using System.Text.Json;
using ClipTools.Converter.Cli;
using ClipTools.Input.Tokenizer;

namespace ClipTools.Run.Commands;

/// <summary><c>clip-run tokenize TEXT...</c>: the rows <c>clip.tokenize</c> gives, printed without the zero padding.</summary>
internal static class TokenizeCommand
{
    public static Command Create(CliConvention cli)
    {
        var texts = new Argument<string[]>("text") { Description = "texts to tokenize", Arity = ArgumentArity.OneOrMore };
        var context = new Option<int>("--context") { Description = "context length (CLIP's is 77)", DefaultValueFactory = _ => ClipTokenizer.DefaultContextLength };
        var truncate = new Option<bool>("--truncate") { Description = "cut texts that do not fit (the last id becomes <|endoftext|>) instead of failing" };
        var command = new Command("tokenize", "Token ids of texts, as clip.tokenize gives them") { texts, context, truncate };
        command.SetAction(result =>
        {
            var contextLength = result.GetValue(context);
            if (contextLength < 2)
            {
                throw new RunUsageException($"--context {contextLength}: needs room for the start and end tokens (at least 2)");
            }
            var values = result.GetValue(texts)!;
            var rows = values.Select(t => ClipTokenizer.Default.Tokenize(t, contextLength, result.GetValue(truncate))).ToArray();
            var stdout = result.InvocationConfiguration.Output;
            switch (cli.Mode(result))
            {
                case OutputMode.Json:
                    stdout.WriteLine(JsonSerializer.Serialize(values.Zip(rows, (t, r) => new { text = t, ids = r }),
                        new JsonSerializerOptions { WriteIndented = true }));
                    break;
                case OutputMode.Summary or OutputMode.Verbose:
                    foreach (var (text, row) in values.Zip(rows))
                    {
                        var used = Array.LastIndexOf(row, ClipTokenizer.Default.EndOfTextId) + 1;
                        stdout.WriteLine($"{string.Join(' ', row[..used])}\t({used} of {contextLength}) {JsonSerializer.Serialize(text)}");
                    }
                    break;
            }
            return 0;
        });
        return command;
    }
}
