using System.Diagnostics;
using ClipTools.Families.Official;
using ClipTools.Model.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

// pybridge PRESET IN.sd.pt OUT.dat: what a TorchSharp user does without clip-convert (a state dict from torch.save, our model).
// load MODEL.dat: seconds to build the model and load the weights, printed as "load_s <seconds>".
switch (args)
{
    case ["pybridge", var preset, var input, var output]:
        {
            // The preset is given, not inferred: the repository's reader registers its own pickle constructors in
            // Razorvine's global table, which would change what PyBridge's unpickler sees.
            var config = ClipPresets.All[preset];
            using var model = new Clip(config);
            model.load_py(input, strict: true);
            model.save(output);
            return 0;
        }
    case ["load", var dat]:
        {
            var watch = Stopwatch.StartNew();
            using var model = ClipWeights.LoadModel(dat);
            Console.WriteLine($"load_s {watch.Elapsed.TotalSeconds:F3}");
            return 0;
        }
    default:
        Console.Error.WriteLine("usage: pybridge-bench pybridge PRESET IN.sd.pt OUT.dat | load MODEL.dat");
        return 2;
}
