using System.CommandLine;
using ClipTools.Checkpoints.Formats;

namespace ClipTools.Converter.Cli;

/// <summary><c>--read-budget FACTOR</c>: multiplies every read budget (docs/security.md) for a file that needs more.</summary>
public static class ReadBudgetOption
{
    public static Option<double> Create()
    {
        var option = new Option<double>("--read-budget")
        {
            Description = "multiply the memory, tensor-byte and visit budgets a file's size allows (default 1; see docs/security.md)",
            DefaultValueFactory = _ => 1,
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (>= 1 and <= 1e6))
            {
                result.AddError("--read-budget must be between 1 and 1000000");
            }
        });
        return option;
    }
}
