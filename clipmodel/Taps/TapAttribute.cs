using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipTools.Model.Taps;

/// <summary>
/// Marks a field holding a child module whose output is a tap, named by its module path (docs/taps.md). An
/// <c>nn.Identity</c> child is never a tap: its output is its input, already tapped.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class TapAttribute : Attribute;

/// <summary>Marks a field holding a <c>Sequential</c> or <c>ModuleList</c> whose every element's output is a tap.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class TapEachAttribute : Attribute;

/// <summary>The module paths a model's <see cref="TapAttribute"/> and <see cref="TapEachAttribute"/> fields name.</summary>
public static class TapFields
{
    public static IReadOnlyList<string> Paths(nn.Module root)
    {
        var paths = new List<string>();
        foreach (var (path, module) in root.named_modules().Prepend(("", root)))
        {
            foreach (var field in module.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
            {
                if (field.GetValue(module) is not nn.Module child || child is Identity)
                {
                    continue;
                }
                var childPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
                if (field.IsDefined(typeof(TapAttribute)))
                {
                    paths.Add(childPath);
                }
                else if (field.IsDefined(typeof(TapEachAttribute)))
                {
                    paths.AddRange(child.named_children().Where(c => c.module is not Identity).Select(c => $"{childPath}.{c.name}"));
                }
            }
        }
        return paths;
    }
}
