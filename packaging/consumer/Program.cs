// A library user's program (packaging/check_packages.sh builds it outside the repository against the packages):
// loads a released-style checkpoint in process and prints the seed logit, the image of all 0.5 against the text of
// all ones (the check the Paddle port publishes).
using ClipTools.Model;
using static TorchSharp.torch;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: consumer CHECKPOINT");
    return 2;
}
using var model = ClipModel.Load(args[0]);
using var noGrad = no_grad();
var resolution = model.Config.ImageResolution;
using var image = full(new long[] { 1, 3, resolution, resolution }, 0.5f);
using var text = ones(new long[] { 1, model.Config.ContextLength }, dtype: ScalarType.Int64);
var (perImage, perText) = model.Logits(image, text);
Console.WriteLine(perImage.to(ScalarType.Float64).item<double>().ToString("R", System.Globalization.CultureInfo.InvariantCulture));
perImage.Dispose();
perText.Dispose();
return 0;
