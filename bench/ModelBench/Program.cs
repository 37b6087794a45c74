using System.Diagnostics;
using System.Globalization;
using ClipTools.Model;
using static TorchSharp.torch;

// load MODEL [REPS]: seconds ClipModel.Load takes once libtorch is loaded, printed as "load_s <seconds>" (the
// median when REPS > 1; the first load of a process is what a user pays, so the bench runs one per process).
switch (args)
{
    case ["load", var path, .. var rest]:
        {
            var reps = rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 1;
            // Load libtorch and warm its allocator before timing: Python's timer starts after `import torch` too.
            using (var warm = ones(1))
            {
                _ = warm.sum().item<float>();
            }
            var times = new List<double>();
            for (var i = 0; i < reps; i++)
            {
                var watch = Stopwatch.StartNew();
                using var model = ClipModel.Load(path);
                times.Add(watch.Elapsed.TotalSeconds);
            }
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load_s {times[times.Count / 2]:F3}"));
            return 0;
        }
    default:
        Console.Error.WriteLine("usage: model-bench load MODEL [REPS]");
        return 2;
}
